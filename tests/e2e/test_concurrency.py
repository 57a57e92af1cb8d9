"""While 20 brainstorms wait on a slow LLM, everything else is acknowledged and handled."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from bot.emulator.web_api import SlackApiServer
from testkit.app import running_app
from testkit.fake_openai import FakeOpenAI
from testkit.queries import score_of
from testkit.waiting import eventually

CHANNEL = "C0GENERAL"


def test_slow_brainstorms_do_not_block_acks_or_reactions(
        slack: SlackApiServer, llm: FakeOpenAI, sqlite_url: str) -> None:
    llm.reply(json.dumps({"ideas": ["one", "two"]}))
    # About acks under load: 63 posts in one channel would take Slack a minute to allow
    # (its pace is shown in tests/bot/emulator/test_rate_limits.py and test_long_ideas.py).
    slack.rate_limits.enabled = False
    with running_app(slack, sqlite_url, OPENAI_BASE_URL=llm.base_url) as app:
        app.sender.command("warm-up")
        header = slack.wait_for("chat.update", timeout=10)[0].params["ts"]
        idea_ts = slack.state.thread(CHANNEL, header)[1]["ts"]

        llm.delay(3.0)
        with ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(lambda n: app.sender.command(f"slow topic {n}"), range(20)))
        assert all(r.status == 200 for r in replies)
        assert max(r.elapsed for r in replies) < 2.0
        slack.wait_for("chat.postMessage", count=2 + 1 + 20, timeout=5)  # every header is up
        eventually(lambda: _assert_pending(app.deps.jobs.pending, 20))  # all on the LLM

        started = time.perf_counter()
        reaction = app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=idea_ts)
        item = app.stores.signals.item_at(CHANNEL, idea_ts)
        eventually(lambda: _assert_approvals(score_of(app.stores, item.id), 1), timeout=2)
        stored_after = time.perf_counter() - started
        assert reaction.status == 200 and reaction.elapsed < 1.0 and stored_after < 2.0

        help_reply = app.sender.command("help")
        assert help_reply.status == 200 and help_reply.elapsed < 1.0
        assert app.deps.jobs.pending == 20

        slack.wait_for("chat.update", count=21, timeout=15)
        assert len(list(app.stores.reports.export_rows())) == 2 + 20 * 2


def _assert_pending(pending: int, expected: int) -> None:
    assert pending == expected, pending


def _assert_approvals(tally: dict[str, int], expected: int) -> None:
    assert tally["approvals"] == expected, tally


def test_a_full_queue_says_busy_instead_of_hanging(slack: SlackApiServer, llm: FakeOpenAI,
                                                   sqlite_url: str) -> None:
    """With the pool full, a brainstorm is not accepted: the person is told at once,
    only they see it, and nothing is posted or stored for it."""
    llm.delay(2.0)
    with running_app(slack, sqlite_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_WORKERS="1") as app:
        app.deps.jobs.limit = 2  # one running, one queued
        replies = [app.sender.command(f"topic {n}") for n in range(3)]
        assert [reply.status for reply in replies] == [200, 200, 200]
        refused = replies[2].json()
        assert refused["response_type"] == "ephemeral" and "busy" in refused["text"]
        app.deps.wait_quiet()
        headers = [c.params["text"] for c in slack.calls_to("chat.postMessage")
                   if not c.params.get("thread_ts")]
        assert len(headers) == 2 and not any("topic 2" in text for text in headers)
        assert len(slack.calls_to("chat.update")) == 2  # both accepted ones settled
