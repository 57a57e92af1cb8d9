"""The Agent messaging experience (`features.agent_view`): idealoop's DM is an agent.

What Slack's pages say, and what idealoop does about it
(https://docs.slack.dev/ai/migrating-to-agent-messaging,
https://docs.slack.dev/ai/agent-sessions,
https://docs.slack.dev/reference/events/agent_session_stopped):

- A person opening the DM is `app_home_opened` with `tab == "messages"` (it replaces
  `assistant_thread_started`). idealoop greets in an empty DM, and sets the DM's
  suggested prompts (`assistant.threads.setSuggestedPrompts` without a thread: with one,
  an agent app's call "will silently fail").
- Each message at the top of the DM starts a thread, an agent session, where idealoop
  answers: "brainstorm <topic>", a draft, `feedback`, `polish`, as in the assistant
  pane. While its work runs the session is "processing" (`agents.sessions.setStatus`,
  titled, naming who started it), then "active" again; replies in the thread go on the
  same way.
- The stop button (shown while the session is processing) sends
  `agent_session_stopped`. The thread's work is cancelled: its run posts nothing more and
  settles its message as "Stopped by @person", the tokens counted are those the model
  wrote until then, and the session goes back to "active" (Slack does not move it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.drafts import INTRODUCTION, is_small_talk
from bot.errors import BadInput, ChatError, DatabaseUnavailable, NotSaved, user_message
from bot.ideas import clean_topic
from bot.slack_values import is_slack_id, is_ts
from bot.work.queue import WorkItem
from handlers.slack import blocks
from handlers.slack.answers import soon
from handlers.slack.api_errors import SLACK_FAILURES, failure_name
from handlers.work.brainstorm_chat import SlackBrainstormChat
from handlers.work.draft_chat import SlackDraftChat

log = logging.getLogger(__name__)
GREETING = ("Hi! I brainstorm and draft with you; you decide. Write `brainstorm <topic>` "
            "for ideas, ask for a draft, or paste your own text after `feedback:` or "
            "`polish:`. React or click 👍 / 👎 on what I write: it steers what I propose.")
#: Also the manifest's `agent_view.suggested_prompts` (tests/test_manifest.py): at most 4.
PROMPTS = [
    {"title": "Brainstorm on…", "message": "brainstorm "},
    {"title": "Draft from this conversation",
     "message": "Draft a short announcement of what we discussed"},
    {"title": "Give feedback on my draft", "message": "feedback: "},
]
PROMPTS_TITLE = "Try one of these:"
TITLE_LIMIT = 200  # an agent session's title (agents.sessions.setStatus)
_BRAINSTORM = re.compile(r"^\s*(?:brainstorm|ideas?)(?:\s+(?:on|for|about))?\s*:?\s+(.+)$",
                         re.IGNORECASE | re.DOTALL)


def _messages_tab(event: dict[str, Any]) -> bool:
    return event.get("tab") == "messages"


def _top_level_dm(event: dict[str, Any]) -> bool:
    """A person's own message at the top of their DM with idealoop (not an edit, a
    bot's message or a reply in a thread)."""
    return (event.get("channel_type") == "im" and not event.get("thread_ts")
            and not event.get("subtype") and not event.get("bot_id"))


def register(app: App, deps: Deps) -> None:
    def opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        user, channel = event.get("user"), event.get("channel")
        if is_slack_id(user) and is_slack_id(channel):
            soon(deps, greet, client, str(channel))

    def message(event: dict[str, Any], body: dict[str, Any], context: BoltContext,
                client: WebClient) -> None:
        accept(event, body, context, deps.for_team(context.team_id), client)

    def stopped(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        stop(event, deps.for_team(context.team_id), client)

    app.event("app_home_opened", matchers=[_messages_tab])(opened)
    app.event("message", matchers=[_top_level_dm])(message)
    app.event("agent_session_stopped")(stopped)


def greet(client: WebClient, channel: str) -> None:
    """Greet in a DM nobody wrote in yet, and (each time it opens) offer the prompts."""
    try:
        if not client.conversations_history(channel=channel, limit=1).get("messages"):
            client.chat_postMessage(channel=channel, text=GREETING)
        client.assistant_threads_setSuggestedPrompts(channel_id=channel, prompts=PROMPTS,
                                                     title=PROMPTS_TITLE)
    except SLACK_FAILURES as exc:
        log.warning("could not greet in the agent DM: %s", failure_name(exc))


def accept(event: dict[str, Any], body: dict[str, Any], context: BoltContext, deps: Deps,
           client: WebClient) -> None:
    """A message in the agent DM: at its top it starts a session (its own thread), in a
    session's thread it goes on there. Stored as work before Slack is answered."""
    channel, user = event.get("channel"), event.get("user")
    thread_ts = event.get("thread_ts") or event.get("ts")
    text = str(event.get("text") or "")

    def show(_status: str, topic: str | None) -> None:
        """The session is working: "processing" (Slack shows the stop button), titled
        with the topic or the message's first line when the call creates it."""
        first_line = text.strip().splitlines()[0] if text.strip() else ""
        title = (topic or first_line)[:TITLE_LIMIT]
        client.agents_sessions_setStatus(channel_id=str(channel), thread_ts=str(thread_ts),
                                         status="processing", title=title or None,
                                         initiator_user_id=str(user))

    def say(answer: str) -> None:
        try:
            client.chat_postMessage(channel=str(channel), thread_ts=str(thread_ts),
                                    text=answer)
        except SLACK_FAILURES as exc:
            log.warning("could not answer in the agent DM: %s", failure_name(exc))

    def introduced() -> bool:
        """This message got the introduction already (Slack delivered it again)."""
        try:
            replies = client.conversations_replies(channel=str(channel), ts=str(thread_ts),
                                                   limit=50).get("messages") or []
        except SLACK_FAILURES as exc:
            log.warning("could not read the agent DM thread: %s", failure_name(exc))
            return False
        return any(m.get("bot_id") and m.get("text") == INTRODUCTION
                   and float(m.get("ts") or 0) > float(str(event.get("ts") or 0))
                   for m in replies)

    accept_message(event, body, context, deps, thread_ts=thread_ts, show=show, say=say,
                   extra={"agent_session": True}, introduced=introduced)


def accept_message(event: dict[str, Any], body: dict[str, Any], context: BoltContext,
                   deps: Deps, *, thread_ts: object, show: Callable[[str, str | None], None],
                   say: Callable[[str], None], extra: dict[str, Any] | None = None,
                   introduced: Callable[[], bool] | None = None) -> None:
    """Store what the person asked in a DM thread (an agent session's or the assistant
    pane's) as work (Slack's answer waits for it), then, after Slack's answer (from the
    job pool), `show` a status (and the topic as a title) and start the work. When it
    cannot be stored, Slack is answered 503 (it delivers the message again) and they are
    told. `extra` goes into the work's request. Small talk ("hi", "what can you
    do?") is answered at once with the introduction, and stores nothing: `introduced`
    says whether an earlier delivery of the message already got it."""
    channel, user = event.get("channel"), event.get("user")
    ts = event.get("ts")
    text = str(event.get("text") or "")
    if not (is_slack_id(channel) and is_slack_id(user) and is_ts(ts) and is_ts(thread_ts)):
        raise BadInput("an assistant message without a usable channel, user or thread")
    assert isinstance(channel, str) and isinstance(user, str) and isinstance(thread_ts, str)
    if is_small_talk(text):  # "hi", "what can you do?": an introduction, not a draft
        if introduced is None or not introduced():
            say(INTRODUCTION)
        return
    key = f"event:{body.get('event_id') or ts}"
    wanted = _BRAINSTORM.match(text)
    try:
        if wanted:
            topic = clean_topic(wanted.group(1), deps.settings.topic_max_chars)
            work = deps.work.accept("brainstorm", team=deps.team, delivery_key=key,
                                    channel=channel,
                                    user=user, thread_ts=thread_ts,
                                    request={"topic": topic, "in_assistant": True,
                                             **(extra or {})})
        else:
            topic = None
            work = deps.work.accept("draft", team=deps.team, delivery_key=key, channel=channel,
                                    user=user,
                                    thread_ts=thread_ts,
                                    request={"text": text, "ts": ts,
                                             "bot": context.bot_user_id, **(extra or {})})
    except BadInput as exc:
        soon(deps, say, exc.user_message)
        return
    except DatabaseUnavailable as exc:  # answered 503 first, then the person told
        soon(deps, say, user_message(exc) + " Slack will send me your message again shortly.")
        raise NotSaved(str(exc)) from exc
    if work is None:  # Slack delivered this message twice
        return

    def start() -> None:
        """The status, then the run (in this order: the run sets the status after it)."""
        try:
            show("is brainstorming…" if topic else "is writing…", topic)
        except SLACK_FAILURES as exc:
            log.warning("could not show the status or title: %s", failure_name(exc))
        deps.worker.run_soon(work)

    soon(deps, start)  # after Slack's answer: a slow status call must not hold it


def stop(event: dict[str, Any], deps: Deps, client: WebClient) -> None:
    """The stop button: cancel the thread's work (Slack gets its answer once that is
    stored; while the database is away it gets an error and sends the event again),
    settle what no run of this process will, and move the session off "processing"."""
    channel, thread_ts, user = event.get("channel"), event.get("thread_ts"), event.get("user")
    if not (is_slack_id(channel) and is_ts(thread_ts) and is_slack_id(user)):
        raise BadInput("an agent_session_stopped event without a channel, thread or user")
    channel, thread_ts = str(channel), str(thread_ts)
    try:
        stopped = deps.work.stop(deps.team, channel, thread_ts,
                                 note=blocks.stopped_by(str(user)))
    except DatabaseUnavailable as exc:
        raise NotSaved(str(exc)) from exc
    log.info("%s stopped %d pieces of work in %s/%s", user, len(stopped), channel, thread_ts)
    # A run in this process settles its own message (it knows what it wrote); work held
    # elsewhere, or by nobody right now, is settled here at once.
    others = [item for item in stopped if item.owner != deps.work.owner]
    soon(deps, _settle, client, deps, others, channel, thread_ts,
          blocks.stopped_by(str(user)))


def _settle(client: WebClient, deps: Deps, stopped: list[WorkItem], channel: str,
            thread_ts: str, note: str) -> None:
    for item in stopped:
        if item.placeholder_ts is None:
            continue  # nothing was posted for it yet
        try:
            if item.kind == "brainstorm":
                try:
                    saved = deps.brainstormer.saved(item.channel, item.placeholder_ts)
                    posted: int | None = sum(1 for idea in saved.ideas if idea.ts) \
                        if saved else 0
                except DatabaseUnavailable:
                    posted = None  # who stopped it is still said
                SlackBrainstormChat(client, deps.model.model).show_stopped(
                    item, item.placeholder_ts, str(item.request.get("topic") or ""), note,
                    posted)
            else:
                SlackDraftChat(client, model_name=deps.model.model, offline=deps.model.offline,
                               stream_interval=deps.settings.stream_interval).show_stopped(
                    item, item.placeholder_ts, "", note)
        except ChatError as exc:
            log.warning("could not show that %s %d was stopped: %s", item.kind, item.id, exc)
    set_session_status(client, channel, thread_ts, "active")


def set_session_status(client: WebClient, channel: str, thread_ts: str | None,
                       status: str) -> None:
    """Move an agent session on (`agents.sessions.setStatus`); best effort."""
    if not thread_ts:
        return
    try:
        client.agents_sessions_setStatus(channel_id=channel, thread_ts=thread_ts,
                                         status=status)
    except SLACK_FAILURES as exc:
        log.warning("could not set the agent session's status: %s", failure_name(exc))

