"""Rejected ideas recognised by meaning, where the LLM server offers embeddings: signed
`/brainstorm` requests to the real app, the fake server's `/v1/embeddings` over HTTP."""

from __future__ import annotations

import json
import logging

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from tests.e2e.test_brainstorm import CHANNEL, brainstorm, header_message, thread_replies

FRIDAY = "Demo what you built every Friday afternoon"
SHOW_AND_TELL = "A weekly show-and-tell of finished work"
BUDDY = "Pair each newcomer with a buddy for the first fortnight"
GUIDE = "Write a one-page guide of who to ask for what"
NEAR, FAR, OTHER = [1.0, 0.1, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str):
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_EMBEDDING_MODEL="fake-embed") as running:
        yield running


def embedded(llm: FakeOpenAI) -> list[list[str]]:
    """The texts of each embeddings request so far."""
    return [request["body"]["input"] for request in llm.requests
            if request["path"] == "/v1/embeddings"]


def reject_first_of(app: RunningApp, llm: FakeOpenAI, ideas: list[str], topic: str) -> None:
    llm.reply(json.dumps({"ideas": ideas}))
    header_ts = brainstorm(app, topic)
    first = thread_replies(app, header_ts)[0]
    for user in ("U0BOB", "U0CAROL"):
        app.sender.reaction(user=user, emoji="-1", channel=CHANNEL, ts=first["ts"])
    app.deps.wait_quiet()


def test_a_rejected_idea_in_other_words_is_recognised_by_its_meaning(
        app: RunningApp, llm: FakeOpenAI) -> None:
    # no content word in common: the word matcher would keep it
    llm.embeddings({FRIDAY: NEAR, SHOW_AND_TELL: NEAR, BUDDY: OTHER, GUIDE: FAR})
    reject_first_of(app, llm, [FRIDAY, GUIDE], "sharing work")
    llm.reply(json.dumps({"ideas": [SHOW_AND_TELL, BUDDY]}))
    header_ts = brainstorm(app, "sharing work, again")
    texts = [m["text"] for m in thread_replies(app, header_ts)]
    assert len(texts) == 1 and texts[0].startswith("1. Pair each newcomer")
    assert "1 proposal dropped as the same as a rejected idea" in json.dumps(
        header_message(app, header_ts)["blocks"], ensure_ascii=False)
    # the rejected idea is embedded once, when a brainstorm first needs it; the new
    # proposals one by one as they arrive
    assert embedded(llm) == [[FRIDAY], [SHOW_AND_TELL], [BUDDY]]
    why = json.dumps(app.sender.command("why").json()["blocks"], ensure_ascii=False)
    assert "compared by meaning (embeddings model `fake-embed`)" in why
    stats = app.sender.command("stats").json()["text"]
    assert "in words or in meaning (judged by an embeddings model" in stats


def test_meaning_decides_when_embeddings_are_offered(app: RunningApp, llm: FakeOpenAI) -> None:
    """Ideas worded alike but far apart in meaning are both kept: the embeddings judge."""
    huddle = ("Ask how a sports team would improve onboarding, and try their habit of a "
              "short huddle before each day")
    reworded = ("Borrow from a sports team and bring their habit of holding a short huddle "
                "into onboarding")
    llm.embeddings({huddle: NEAR, reworded: FAR, GUIDE: OTHER})
    reject_first_of(app, llm, [huddle, GUIDE], "onboarding")
    llm.reply(json.dumps({"ideas": [reworded]}))
    header_ts = brainstorm(app, "onboarding, again")
    [kept] = [m["text"] for m in thread_replies(app, header_ts)]
    assert kept.startswith(f"1. {reworded}")


def test_without_embeddings_the_words_decide_and_vectors_come_later(
        app: RunningApp, llm: FakeOpenAI, caplog: pytest.LogCaptureFixture) -> None:
    llm.embeddings({FRIDAY: NEAR, SHOW_AND_TELL: NEAR, BUDDY: OTHER}, offered=False)
    huddle = ("Ask how a sports team would improve onboarding, and try their habit of a "
              "short huddle before each day")
    reject_first_of(app, llm, [huddle, GUIDE], "onboarding")
    assert embedded(llm) == []  # nothing was rejected yet: nothing to compare by meaning
    llm.reply(json.dumps({"ideas": [
        "Borrow from a sports team and bring their habit of holding a short huddle into "
        "onboarding", BUDDY]}))
    with caplog.at_level(logging.WARNING):
        header_ts = brainstorm(app, "onboarding, again")
    assert "rejected ideas are recognised by their words" in caplog.text
    [kept] = [m["text"] for m in thread_replies(app, header_ts)]
    assert kept.startswith(f"1. {BUDDY}")
    why = json.dumps(app.sender.command("why").json()["blocks"], ensure_ascii=False)
    assert "compared by their content words" in why
    # the server offers embeddings again: the rejected idea is embedded once, then kept
    llm.embeddings({huddle: NEAR, SHOW_AND_TELL: NEAR, FRIDAY: OTHER}, offered=True)
    llm.reply(json.dumps({"ideas": [SHOW_AND_TELL, FRIDAY]}))
    brainstorm(app, "onboarding, third")
    llm.reply(json.dumps({"ideas": [GUIDE]}))
    brainstorm(app, "onboarding, fourth")
    assert embedded(llm)[-4:] == [[huddle], [SHOW_AND_TELL], [FRIDAY], [GUIDE]]
