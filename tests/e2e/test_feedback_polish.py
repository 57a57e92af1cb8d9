"""`@idealoop feedback` and `@idealoop polish` on a person's own text, end to end: signed
events to the real app, the emulated Slack, the fake LLM or the offline generator."""

from __future__ import annotations

import json

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from tests.e2e.test_drafts import CHANNEL, mention, settled_drafts, user_prompt

ALICE_DRAFT = ("Hi all, we will maybe move the launch to next week because design is "
               "really not done yet.")


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str):
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05") as running:
        yield running


def thread_with_alices_draft(app: RunningApp) -> str:
    root = app.slack.state.post_message(CHANNEL, "Can someone tell customers about the "
                                        "launch date?", user="U0BOB")
    app.slack.state.post_message(CHANNEL, ALICE_DRAFT, user="U0ALICE", thread_ts=root["ts"])
    return root["ts"]


def kinds(app: RunningApp) -> list[tuple[str, int]]:
    return [(row["kind"], row["approvals"]) for row in app.stores.reports.export_rows()]


def test_feedback_critiques_the_persons_latest_message_without_rewriting_it(
        app: RunningApp, llm: FakeOpenAI) -> None:
    thread_ts = thread_with_alices_draft(app)
    llm.reply("*What works*\n• Short.\n*Risks*\n• Hedged.\n*Open questions*\n• Which day?"
              "\n*Suggested next step*\n• Name the day.")
    mention(app, "feedback on the tone", thread_ts=thread_ts)
    [final] = settled_drafts(app)
    prompt = user_prompt(llm)
    assert f"The person's text:\n\n<<<USER_TEXT\n{ALICE_DRAFT}\nUSER_TEXT>>>" in prompt
    assert "[bob] Can someone tell customers" in prompt  # the rest of the thread: context
    assert "<<<USER_TEXT\non the tone\nUSER_TEXT>>>" in prompt
    assert "Do not rewrite the text" in prompt and "*Suggested next step*" in prompt
    shown = json.dumps(final["blocks"], ensure_ascii=False)
    assert ":mag: Feedback · on your message; drew on 1 message from bob for context" in shown
    assert kinds(app) == [("feedback", 0)]
    # a critique collects signals like any item
    app.sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL, ts=final["ts"])
    app.deps.wait_quiet()
    assert kinds(app) == [("feedback", 1)]
    # and is answered, not revised: a further mention writes a fresh draft
    llm.reply("A draft.")
    mention(app, "now write the announcement", thread_ts=thread_ts)
    settled_drafts(app, 2)
    assert "Your previous draft" not in user_prompt(llm)


def test_polish_edits_the_text_given_after_the_word_and_can_be_revised(
        app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply("We move the launch to next week: design needs more time.\n\n*What changed*\n"
              "• Cut the hedge")
    mention(app, f"polish: {ALICE_DRAFT}")
    [final] = settled_drafts(app)
    assert f"<<<USER_TEXT\n{ALICE_DRAFT}\nUSER_TEXT>>>" in user_prompt(llm)
    assert "*What changed*" in user_prompt(llm)
    shown = json.dumps(final["blocks"], ensure_ascii=False)
    assert ":sparkles: Polished · on the text you gave" in shown
    assert kinds(app) == [("polish", 0)]
    llm.reply("We are moving the launch to next week.")
    [polished] = list(app.stores.reports.export_rows())
    mention(app, "more formal", thread_ts=polished["thread_ts"])
    settled_drafts(app, 2)
    assert ("Your previous draft. Revise it according to the instruction"
            in user_prompt(llm))
    assert "We move the launch to next week: design needs more time." in user_prompt(llm)
    assert [kind for kind, _ in kinds(app)] == ["polish", "draft"]


def test_feedback_with_no_text_to_read_says_how_to_give_it(app: RunningApp,
                                                           llm: FakeOpenAI) -> None:
    mention(app, "feedback")
    [final] = settled_drafts(app)
    assert "I found no text of yours to critique here" in final["text"]
    assert "`@idealoop feedback: &lt;your text&gt;`" in final["text"]  # not a link
    assert list(app.stores.reports.export_rows()) == []
    assert not [r for r in llm.requests if r["path"] == "/v1/chat/completions"]


def test_offline_feedback_and_polish_are_about_the_persons_text(slack: SlackApiServer,
                                                                db_url: str) -> None:
    with running_app(slack, db_url, IDEALOOP_STREAM_INTERVAL="0.05") as app:
        thread_ts = thread_with_alices_draft(app)
        mention(app, "feedback", thread_ts=thread_ts)
        [critique] = settled_drafts(app)
        for heading in ("*What works*", "*Risks*", "*Open questions*",
                        "*Suggested next step*"):
            assert heading in critique["text"]
        assert "Hedges (maybe)" in critique["text"]
        mention(app, "polish", thread_ts=thread_ts)
        polished = settled_drafts(app, 2)[1]["text"]
        assert polished.startswith("Hi all, we will maybe move the launch to next week "
                                   "because design is not done yet.")
        assert "• Removed 1 filler word (really)" in polished
        assert [row["kind"] for row in app.stores.reports.export_rows()] == ["feedback", "polish"]
