"""Brainstorms, drafts, feedback and polish with a model of each family — a chat model, a
gpt-5 and an o-series reasoning model, a local server without schemas or usage — against
the fake OpenAI server, which refuses what the real API refuses; and a configured
temperature: sent where it is taken, left out for good after one refusal where not."""

from __future__ import annotations

import json

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.app import running_app
from testkit.fake_openai import FakeOpenAI
from tests.conftest import LLM_FAMILIES, LLMFamily
from tests.e2e.test_brainstorm import brainstorm, thread_replies
from tests.e2e.test_drafts import mention, settled_drafts, start_thread
from tests.e2e.test_feedback_polish import ALICE_DRAFT, kinds, thread_with_alices_draft
from tests.e2e.test_limits import _tokens

every_family = pytest.mark.parametrize("llm_family", LLM_FAMILIES.values(), ids=LLM_FAMILIES,
                                       indirect=True)
# The output ceiling idealoop sends (bot.llm.families), as max_completion_tokens.
CEILING = {"gpt-4o-mini": 8_192, "gpt-5-mini": 32_000, "o4-mini": 32_000, "llama3.2": None}


def family_app(slack: SlackApiServer, llm: FakeOpenAI, url: str, family: LLMFamily,
               **env: str):
    return running_app(slack, url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL=family.model,
                       IDEALOOP_STREAM_INTERVAL="0.05", **env)


def chat_requests(llm: FakeOpenAI) -> list[dict]:
    return [r for r in llm.requests if r["path"] == "/v1/chat/completions"]


def assert_asked_as_the_family_takes_it(llm: FakeOpenAI, family: LLMFamily) -> None:
    """Every request answered the first time: nothing the family refuses was sent."""
    asked = chat_requests(llm)
    assert asked and [r["status"] for r in asked] == [200] * len(asked)
    for request in asked:
        body = request["body"]
        assert body["model"] == family.model
        assert not {"temperature", "top_p", "max_tokens"} & set(body)
        assert body.get("max_completion_tokens") == CEILING[family.model]


@every_family
@pytest.mark.parametrize("streamed", ["1", "0"], ids=["streamed", "whole"])
def test_a_brainstorm_gives_ideas_with_every_family(
        slack: SlackApiServer, llm: FakeOpenAI, llm_family: LLMFamily, sqlite_url: str,
        streamed: str) -> None:
    with family_app(slack, llm, sqlite_url, llm_family, IDEALOOP_STREAM_IDEAS=streamed,
                    IDEALOOP_DAILY_TOKENS="100000") as app:
        header_ts = brainstorm(app, "shorter standups")
        replies = thread_replies(app, header_ts)
        assert len(replies) == 5
        assert all(f"AI-written by {llm_family.model}" in m["text"] for m in replies)
        assert "shorter standups" in replies[0]["text"]
        assert_asked_as_the_family_takes_it(llm, llm_family)
        # a local server reports no usage: the tokens are estimated, never zero
        assert _tokens(app.sender.command("usage").json()["text"]) > 50


@every_family
def test_a_draft_streams_and_settles_with_every_family(
        slack: SlackApiServer, llm: FakeOpenAI, llm_family: LLMFamily, sqlite_url: str) -> None:
    llm.reply("*Summary*\n• Standups move to 10:15")
    with family_app(slack, llm, sqlite_url, llm_family) as app:
        thread_ts = start_thread(app, ["Should standups move?", "Yes, to 10:15."])
        mention(app, "summarise", thread_ts=thread_ts)
        [final] = settled_drafts(app)
        assert "Standups move to 10:15" in json.dumps(final["blocks"])
        assert f"AI-written by `{llm_family.model}`" in json.dumps(final["blocks"])
        assert [row["kind"] for row in app.stores.reports.export_rows()] == ["draft"]
        assert_asked_as_the_family_takes_it(llm, llm_family)


@every_family
def test_feedback_and_polish_work_with_every_family(
        slack: SlackApiServer, llm: FakeOpenAI, llm_family: LLMFamily, sqlite_url: str) -> None:
    with family_app(slack, llm, sqlite_url, llm_family) as app:
        thread_ts = thread_with_alices_draft(app)
        llm.reply("*What works*\n• Short.\n*Suggested next step*\n• Name the day.")
        mention(app, "feedback", thread_ts=thread_ts)
        [critique] = settled_drafts(app)
        assert "Name the day" in json.dumps(critique["blocks"])
        llm.reply("We move the launch to next week.\n\n*What changed*\n• Cut the hedge")
        mention(app, f"polish: {ALICE_DRAFT}")
        polished = settled_drafts(app, 2)[-1]
        assert "We move the launch to next week" in json.dumps(polished["blocks"])
        assert sorted(kind for kind, _ in kinds(app)) == ["feedback", "polish"]
        assert_asked_as_the_family_takes_it(llm, llm_family)


WARM = {"IDEALOOP_TEMPERATURE": "0.9"}


@pytest.mark.parametrize("llm_family", [LLM_FAMILIES["chat"]], ids=["chat"], indirect=True)
def test_a_configured_temperature_is_sent_to_a_chat_model(
        slack: SlackApiServer, llm: FakeOpenAI, llm_family: LLMFamily, sqlite_url: str) -> None:
    with family_app(slack, llm, sqlite_url, llm_family, **WARM) as app:
        brainstorm(app, "shorter standups")
        mention(app, "summarise", thread_ts=start_thread(app, ["Standups at 10:15?"]))
        assert app.deps.wait_quiet(timeout=20)
        assert "draft" in [row["kind"] for row in app.stores.reports.export_rows()]
        asked = chat_requests(llm)
        assert [(r["body"].get("temperature"), r["status"]) for r in asked] == [(0.9, 200)] * 2
        assert app.deps.model.adapted == {}


@pytest.mark.parametrize("llm_family", [LLM_FAMILIES["reasoning"], LLM_FAMILIES["o-series"]],
                         ids=["reasoning", "o-series"], indirect=True)
def test_a_reasoning_model_refuses_the_temperature_once_and_is_not_sent_it_again(
        slack: SlackApiServer, llm: FakeOpenAI, llm_family: LLMFamily, sqlite_url: str) -> None:
    with family_app(slack, llm, sqlite_url, llm_family, **WARM) as app:
        header_ts = brainstorm(app, "shorter standups")
        assert len(thread_replies(app, header_ts)) == 5
        mention(app, "summarise", thread_ts=start_thread(app, ["Standups at 10:15?"]))
        assert app.deps.wait_quiet(timeout=20)
        assert "draft" in [row["kind"] for row in app.stores.reports.export_rows()]
        brainstorm(app, "faster reviews")
        asked = [(r["body"].get("temperature"), r["status"]) for r in chat_requests(llm)]
        # one refused call, then the same request without it; never again after that
        assert asked == [(0.9, 400), (None, 200), (None, 200), (None, 200)]
        assert app.deps.model.adapted == {
            "temperature": "unsupported_value"}
