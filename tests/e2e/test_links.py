"""A model's links show where they go on every surface, end to end: the fake LLM answers
with Markdown `[label](url)` and mrkdwn `<url|label>` links; signed requests go to the
real app; what the emulated Slack received (call bodies, acks, responses) shows
`label (url)`, and no link hides its destination — while the permalinks idealoop itself
builds (digests, top lists) stay links."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.emulator.web_api import SlackApiServer
from handlers.digests import DigestPoster
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.waiting import eventually
from tests.e2e.test_agent import bot_replies, write
from tests.e2e.test_brainstorm import brainstorm, thread_replies
from tests.e2e.test_digests import digests_posted
from tests.e2e.test_drafts import CHANNEL, mention, settled_drafts, start_thread
from tests.e2e.test_feedback_polish import thread_with_alices_draft
from tests.e2e.test_home import home_of

EVIL = "https://evil.example/x"
SLY = "https://sly.example/y"  # another host: two ideas with one URL read as the same idea
MARKDOWN = f"Try [click me]({EVIL}) first"  # cut by the fake's word-sized stream pieces
MRKDWN = f"Pair every new joiner with a buddy, as <{SLY}|this one> says"
SHOWN = (f"click me ({EVIL})", f"this one ({SLY})")
IDEAS = json.dumps({"ideas": [MARKDOWN, MRKDWN]})
DRAFT = ("*Plan*\n• Everything we need is in one place. " + MARKDOWN + ".\n• " + MRKDWN
         + ".\n• " + " ".join(["Then we meet and decide together."] * 20))


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05") as running:
        yield running


def dumped(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


def hides_nothing(payload: Any) -> str:
    """`payload` as JSON, once it is known to hold no link that hides where it goes: no
    Markdown `](`, no mrkdwn `<url|label>` (escaped or not)."""
    text = dumped(payload)
    assert "](" not in text, text
    for url in (EVIL, SLY):
        assert f"<{url}" not in text and f"&lt;{url}" not in text, text
    return text


def shows_links(payload: Any, shown: tuple[str, ...] = SHOWN) -> None:
    text = hides_nothing(payload)
    for words in shown:
        assert words in text, (words, text)


def approved_link_ideas(app: RunningApp, llm: FakeOpenAI) -> list[dict[str, Any]]:
    """A brainstorm whose ideas carry links, both approved by Bob."""
    llm.reply(IDEAS)
    replies = thread_replies(app, brainstorm(app, "onboarding"))
    for message in replies:
        app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=message["ts"])
    app.deps.wait_quiet()
    return replies


def test_ideas_show_their_links(app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(IDEAS)
    brainstorm(app, "onboarding")
    posted = [c.params for c in app.slack.calls_to("chat.postMessage")][1:]  # after the header
    assert len(posted) == 2
    shows_links(posted[0], SHOWN[:1])
    shows_links(posted[1], SHOWN[1:])
    for message in posted:  # the fallback text a notification shows, too
        hides_nothing(message["text"])


def test_a_topic_with_links_shows_them_in_the_header(app: RunningApp,
                                                     llm: FakeOpenAI) -> None:
    """"More like this" and "Brainstorm from this" make an AI text a brainstorm's topic."""
    llm.reply(IDEAS)
    brainstorm(app, f"more like {MARKDOWN}")
    [header] = app.slack.calls_to("chat.postMessage")[:1]
    shows_links(header.params, SHOWN[:1])
    for update in app.slack.calls_to("chat.update"):
        shows_links(update.params, SHOWN[:1])


def test_a_streamed_draft_appends_each_link_whole_and_written_out(
        app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(DRAFT).chunk_delay(0.02)
    mention(app, "plan it", thread_ts=start_thread(app, ["How do we onboard?"]))
    [final] = settled_drafts(app)
    appends = [c.params["markdown_text"] for c in app.slack.calls_to("chat.appendStream")]
    assert len(appends) > 3  # it did stream, in many pieces
    for piece in appends:
        hides_nothing(piece)
        assert "[click" not in piece  # no half of a link is sent
    shows_links("".join(appends))
    assert app.slack.calls_to("chat.stopStream")
    shows_links(final)


@pytest.mark.parametrize("how", ["refused", "stopped taking appends"])
def test_a_draft_shown_by_chat_update_shows_its_links(app: RunningApp, llm: FakeOpenAI,
                                                      how: str) -> None:
    if how == "refused":
        app.slack.state.streaming_refused = True
    else:
        app.slack.fail("chat.appendStream", error="message_not_in_streaming_state", times=50)
    llm.reply(DRAFT).chunk_delay(0.01)
    mention(app, "plan it", thread_ts=start_thread(app, ["How do we onboard?"]))
    [final] = settled_drafts(app)
    shows_links(final)
    for update in app.slack.calls_to("chat.update"):  # the draft as it filled in, too
        hides_nothing(update.params)


def test_every_part_of_a_long_draft_shows_its_links(app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(" ".join(f"Step {n}: read [the guide for step {n}]({EVIL}/{n})."
                       for n in range(150)))
    mention(app, "plan it", thread_ts=start_thread(app, ["How do we onboard?"]))
    app.deps.wait_quiet(timeout=30)
    [first] = [c.params for c in app.slack.calls_to("chat.update")][-1:]
    parts = [first] + [c.params for c in app.slack.calls_to("chat.postMessage")]
    assert len(parts) >= 2
    text = "".join(hides_nothing(part["blocks"]) for part in parts)
    assert all(f"the guide for step {n} ({EVIL}/{n})" in text for n in range(150))


@pytest.mark.parametrize("mode", ["feedback", "polish"])
def test_feedback_and_polish_show_their_links(app: RunningApp, llm: FakeOpenAI,
                                              mode: str) -> None:
    llm.reply(f"*Suggested next step*\n• {MARKDOWN}.\n• {MRKDWN}.")
    mention(app, mode, thread_ts=thread_with_alices_draft(app))
    [final] = settled_drafts(app)
    shows_links(final)


def test_top_list_digest_home_and_why_show_the_links_and_keep_permalinks(
        app: RunningApp, llm: FakeOpenAI) -> None:
    approved_link_ideas(app, llm)
    # /brainstorm top: the answer follows the ack, by response_url
    url = app.slack.new_response_url(channel=CHANNEL, user="U0ALICE")
    assert app.sender.command("top", response_url=url).status == 200
    def answered() -> dict[str, Any]:
        assert app.slack.state.responses, "no answer yet"
        return dict(app.slack.state.responses[-1]["body"])

    told = eventually(answered, timeout=10)
    shows_links(told["blocks"])
    assert "|open>" in dumped(told["blocks"])  # idealoop's own permalinks stay links
    # the digest, posted as `idealoop digest --channel` posts it
    scoped = app.deps.for_team(app.slack.state.team_id)
    slot = scoped.digests.slot_for(CHANNEL, "day", "UTC")
    outcome = DigestPoster(scoped.digests, scoped.workspaces).post(
        slot.forced(datetime.now(UTC)))
    assert outcome.status == "posted"
    [digest] = digests_posted(app.slack)
    shows_links(digest["blocks"])
    assert "|open the discussion>" in dumped(digest["blocks"])
    # App Home
    shows_links(home_of(app, "U0BOB")["blocks"])
    # "why these ideas?": the next brainstorm was asked to lean toward those ideas
    llm.reply(json.dumps({"ideas": ["A buddy for the first week"]}))
    brainstorm(app, "onboarding, again")
    shows_links(app.sender.command("why").json()["blocks"])


def test_the_agent_dm_shows_the_links(app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(IDEAS)
    root = write(app, "brainstorm onboarding")
    app.deps.wait_quiet(timeout=20)
    _header, first, second = bot_replies(app, root)
    shows_links(first["blocks"], SHOWN[:1])
    shows_links(second["blocks"], SHOWN[1:])
    llm.reply(DRAFT).chunk_delay(0.02)
    root = write(app, "Draft a welcome note for new joiners")
    app.deps.wait_quiet(timeout=20)
    [draft] = bot_replies(app, root)
    shows_links(draft["blocks"])
    appends = [c.params["markdown_text"] for c in app.slack.calls_to("chat.appendStream")
               if c.params["ts"] == draft["ts"]]
    assert appends
    shows_links("".join(appends))
