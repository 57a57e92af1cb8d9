"""The assistant pane (`assistant_view`, Slack's legacy AI surface), through Bolt's
`Assistant` middleware; kept for Slack apps created from the manifest before it moved to
the Agent messaging experience (`handlers.agent`), and sharing its way of taking work.

A person opens the pane and gets suggested prompts; what they write in its thread is
work stored before Slack's answer, like a command or a mention: "brainstorm <topic>"
brainstorms in that thread (the same header, ideas, buttons and signals as in a
channel), anything else is read as a mention is (a draft, `feedback`, `polish`). The
thread's title becomes the topic, and a status shows while the AI works (Slack clears
it when the answer is posted).

Bolt's middleware also takes the replies in an agent session's thread (a DM thread,
like the pane's): those go on as agent work, with `agents.sessions.setStatus`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import (
    App,
    Assistant,
    BoltContext,
    Say,
    SetStatus,
    SetSuggestedPrompts,
    SetTitle,
)
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import DatabaseUnavailable
from bot.slack_values import is_ts
from handlers import agent
from handlers.slack.api_errors import SLACK_FAILURES, failure_name

log = logging.getLogger(__name__)
def register(app: App, deps: Deps) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def started(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        try:
            say(agent.GREETING)
            set_suggested_prompts(prompts=agent.PROMPTS, title=agent.PROMPTS_TITLE)
        except SLACK_FAILURES as exc:
            log.warning("could not greet in the assistant pane: %s", failure_name(exc))

    @assistant.user_message
    def message(payload: dict[str, Any], body: dict[str, Any], context: BoltContext,
                client: WebClient, set_status: SetStatus, set_title: SetTitle,
                say: Say) -> None:
        scoped = deps.for_team(context.team_id)
        thread_ts = payload.get("thread_ts")
        if is_ts(thread_ts) and _in_agent_session(scoped, str(payload.get("channel")),
                                                  str(thread_ts)):
            agent.accept(payload, body, context, scoped, client)
            return

        def show(status: str, title: str | None) -> None:
            set_status(status)
            if title:
                set_title(title[:100])

        agent.accept_message(payload, body, context, scoped, thread_ts=thread_ts, show=show,
                             say=lambda text: _say(say, text))

    app.use(assistant)


def _in_agent_session(deps: Deps, channel: str, thread_ts: str) -> bool:
    """A reply in an agent session's thread (Bolt's `Assistant` takes every DM thread)."""
    try:
        return deps.work.in_agent_session(deps.team, channel, thread_ts)
    except DatabaseUnavailable:
        return False  # storing the message fails the same way, and says so where asked


def _say(say: Say, text: str) -> None:
    try:
        say(text)
    except SLACK_FAILURES as exc:
        log.warning("could not answer in the assistant pane: %s", failure_name(exc))
