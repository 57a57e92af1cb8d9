"""The assistant pane: Slack's AI-app surface, through Bolt's `Assistant` middleware.

A person opens the pane and gets suggested prompts; what they write in its thread is
work stored before Slack's answer, like a command or a mention: "brainstorm <topic>"
brainstorms in that thread (the same header, ideas, buttons and signals as in a
channel), anything else is read as a mention is (a draft, `feedback`, `polish`). The
thread's title becomes the topic, and a status shows while the AI works (Slack clears
it when the answer is posted).
"""

from __future__ import annotations

import logging
import re
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

from bot.deps import Deps
from bot.errors import BadInput, NotSaved, user_message
from bot.ideas import clean_topic
from bot.slack_values import is_slack_id, is_ts
from handlers.slack.api_errors import SLACK_FAILURES, failure_name
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
GREETING = ("Hi! I brainstorm and draft with you; you decide. Write `brainstorm <topic>` "
            "for ideas, ask for a draft, or paste your own text after `feedback:` or "
            "`polish:`. React or click 👍 / 👎 on what I write: it steers what I propose.")
PROMPTS = [
    {"title": "Brainstorm on…", "message": "brainstorm "},
    {"title": "Draft from this conversation",
     "message": "Draft a short announcement of what we discussed"},
    {"title": "Give feedback on my draft", "message": "feedback: "},
]
_BRAINSTORM = re.compile(r"^\s*(?:brainstorm|ideas?)(?:\s+(?:on|for|about))?\s*:?\s+(.+)$",
                         re.IGNORECASE | re.DOTALL)


def register(app: App, deps: Deps) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def started(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        try:
            say(GREETING)
            set_suggested_prompts(prompts=PROMPTS, title="Try one of these:")
        except SLACK_FAILURES as exc:
            log.warning("could not greet in the assistant pane: %s", failure_name(exc))

    @assistant.user_message
    def message(payload: dict[str, Any], body: dict[str, Any], context: BoltContext,
                set_status: SetStatus, set_title: SetTitle, say: Say) -> None:
        accept_message(payload, body, context, deps.for_team(context.team_id),
                       set_status=set_status,
                       set_title=set_title, say=say)

    app.use(assistant)


def accept_message(event: dict[str, Any], body: dict[str, Any], context: BoltContext,
                   deps: Deps, *, set_status: SetStatus, set_title: SetTitle,
                   say: Say) -> None:
    """Store what the person asked as work (Slack's answer waits for it), then show a
    status and title. When it cannot be stored, they are told and Slack delivers the
    message again (503)."""
    channel, user = event.get("channel"), event.get("user")
    ts, thread_ts = event.get("ts"), event.get("thread_ts")
    text = str(event.get("text") or "")
    if not (is_slack_id(channel) and is_slack_id(user) and is_ts(ts) and is_ts(thread_ts)):
        raise BadInput("an assistant message without a usable channel, user or thread")
    assert isinstance(channel, str) and isinstance(user, str) and isinstance(thread_ts, str)
    key = f"event:{body.get('event_id') or ts}"
    wanted = _BRAINSTORM.match(text)
    try:
        if wanted:
            topic = clean_topic(wanted.group(1), deps.settings.topic_max_chars)
            work = deps.work.accept("brainstorm", team=deps.team, delivery_key=key,
                                    channel=channel,
                                    user=user, thread_ts=thread_ts,
                                    request={"topic": topic, "in_assistant": True})
        else:
            topic = None
            work = deps.work.accept("draft", team=deps.team, delivery_key=key, channel=channel,
                                    user=user,
                                    thread_ts=thread_ts,
                                    request={"text": text, "ts": ts,
                                             "bot": context.bot_user_id})
    except BadInput as exc:
        _say(say, exc.user_message)
        return
    except DatabaseUnavailable as exc:
        _say(say, user_message(exc) + " Slack will send me your message again shortly.")
        raise NotSaved(str(exc)) from exc
    if work is None:  # Slack delivered this message twice
        return
    try:
        set_status("is brainstorming…" if topic else "is writing…")
        if topic:
            set_title(topic[:100])
    except SLACK_FAILURES as exc:
        log.warning("could not set the assistant status or title: %s", failure_name(exc))
    deps.worker.run_soon(work)


def _say(say: Say, text: str) -> None:
    try:
        say(text)
    except SLACK_FAILURES as exc:
        log.warning("could not answer in the assistant pane: %s", failure_name(exc))
