"""`@idealoop <instruction>`: a draft built from the thread, streamed into a placeholder.

A mention in a thread answers in that thread; a mention outside one answers in a new
thread under it. A further mention in the same thread revises the latest draft. The
listener stores the mention as accepted work before Slack gets its answer (when it
cannot, Slack is answered with an error and delivers the mention again); the draft is
written on the job pool (`run_draft`), resumably: a draft already saved is not written
again, and the placeholder always ends in a final state.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import IdealoopError, LLMBadOutput, NotSaved, user_message
from bot.llm.thread_fitting import AI_AUTHOR, ThreadMessage
from bot.work import RetryLater
from handlers.slack import blocks
from handlers.slack.api_errors import (
    SLACK_FAILURES,
    describe_slack_error,
    failure_name,
    is_permanent,
)
from handlers.slack.lookups import UserNames, posted_in_thread
from handlers.slack.mrkdwn import split_for_slack
from handlers.slack.streaming import StreamingMessage
from storage.errors import DatabaseUnavailable
from storage.work import WorkItem

log = logging.getLogger(__name__)
REPLIES_PAGE = 200
LAST_SLACK_RETRY = 3  # Slack re-delivers an event three times, over about five minutes
DRAFT_PART_EVENT = "idealoop_draft_part"  # metadata of the second and later parts


def register(app: App, deps: Deps) -> None:
    def app_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient,
                    context: BoltContext) -> None:
        accept_mention(event, body, client, deps, retry_num=context.get("retry_num"))

    app.event("app_mention")(app_mention)


def accept_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient, deps: Deps,
                   *, retry_num: int | None = None) -> None:
    """Store the mention as work, then return (Bolt answers Slack 200). When it cannot be
    stored the person hears why, and Slack is answered with an error to deliver it again."""
    channel, user = str(event["channel"]), str(event.get("user") or "")
    thread_ts = str(event.get("thread_ts") or event["ts"])
    try:
        item = deps.work.accept(
            "draft", delivery_key=f"event:{body.get('event_id') or event['ts']}",
            channel=channel, user=user, thread_ts=thread_ts,
            request={"text": event.get("text") or "", "ts": event["ts"]})
    except DatabaseUnavailable as exc:
        again = (" Slack will send me your request again in a minute or two."
                 if (retry_num or 0) < LAST_SLACK_RETRY else "")
        _tell_privately(client, channel, user, thread_ts, NotSaved.user_message + again)
        raise NotSaved(str(exc)) from exc
    if item is not None:  # None: Slack delivered this mention twice
        deps.worker.run_soon(item)


def run_draft(deps: Deps, client: WebClient, work: WorkItem, last: bool) -> str | None:
    """Post the placeholder, read the thread, stream the draft into it, settle it, save it.
    Returns None when done, or the note the person was shown when it ended in failure."""
    channel, thread_ts = work.channel, str(work.thread_ts)
    placeholder_ts = work.placeholder_ts or _post_placeholder(deps, client, work, last)
    if placeholder_ts is None:
        return "the draft could not be started in the thread"
    saved = deps.store.draft_at(channel, placeholder_ts)
    if saved is not None:  # an earlier attempt wrote and saved it: show it, settled
        if not _show_draft(client, deps, work, placeholder_ts, saved.text,
                           revision=saved.parent_id is not None) and not last:
            raise RetryLater("the draft could not be shown")
        return None
    try:
        thread = read_thread(client, channel, thread_ts, exclude=placeholder_ts)
    except SLACK_FAILURES as exc:
        log.warning("could not read thread %s: %s", thread_ts, failure_name(exc))
        if not is_permanent(exc) and not last:
            raise RetryLater("the thread could not be read") from exc
        note = f"I could not read this thread: {describe_slack_error(exc)}"
        if not _settle_failed(client, channel, placeholder_ts, deps, "", note) and not last:
            raise RetryLater("the placeholder could not be settled") from exc
        return note
    message = StreamingMessage(client, channel, placeholder_ts,
                               interval=deps.settings.stream_interval)
    written = ""
    try:  # whatever fails, the placeholder settles into a clear note
        plan = deps.drafter.plan(channel=channel, thread_ts=thread_ts,
                                 mention_text=str(work.request.get("text") or ""),
                                 thread=thread, mention_ts=str(work.request.get("ts")))
        log.info("drafting in %s/%s: %d messages, ~%d prompt tokens (%d condensed, "
                 "%d left out)", channel, thread_ts, plan.fitted.total_messages,
                 plan.fitted.tokens, plan.fitted.condensed, plan.fitted.omitted)
        render = partial(blocks.draft, model=deps.model.model, offline=deps.model.offline,
                         state="writing", revision=plan.is_revision)
        for piece in deps.drafter.stream(plan):
            written += piece
            message.update(written, render)
        if not written.strip():
            raise LLMBadOutput("empty draft")
    except DatabaseUnavailable:
        raise  # nothing saved: a later attempt writes the draft again
    except Exception as exc:
        log.warning("draft failed after %d characters: %s", len(written), exc,
                    exc_info=not isinstance(exc, IdealoopError))
        note = user_message(exc)
        if written.strip():
            note += " The text above is incomplete and was not saved; mention me to try again."
        if not _settle_failed(client, channel, placeholder_ts, deps, written, note) \
                and not last:
            raise RetryLater("the placeholder could not be settled") from exc
        return note
    deps.drafter.save(plan, ts=placeholder_ts, text=written, model=deps.model.model)
    if not _show_draft(client, deps, work, placeholder_ts, written,
                       revision=plan.is_revision) and not last:
        raise RetryLater("the draft could not be shown")
    return None


def _post_placeholder(deps: Deps, client: WebClient, work: WorkItem, last: bool) -> str | None:
    text, placeholder_blocks = blocks.drafting_placeholder(deps.model.model)
    try:
        placeholder = client.chat_postMessage(channel=work.channel, thread_ts=work.thread_ts,
                                              text=text, blocks=placeholder_blocks)
    except SLACK_FAILURES as exc:
        log.warning("could not post a draft placeholder: %s", failure_name(exc))
        if not is_permanent(exc) and not last:
            raise RetryLater("the placeholder could not be posted") from exc
        _tell_privately(client, work.channel, work.user_id, str(work.thread_ts),
                        describe_slack_error(exc))
        return None
    placeholder_ts = str(placeholder["ts"])
    deps.work.set_placeholder(work, placeholder_ts)
    return placeholder_ts


def _show_draft(client: WebClient, deps: Deps, work: WorkItem, placeholder_ts: str,
                text: str, *, revision: bool) -> bool:
    """The saved draft, settled: its first part in the placeholder, the rest as replies
    (parts an earlier attempt posted are recognised and not posted again). False when
    Slack could not be told everything now but might be later."""
    model, offline = deps.model.model, deps.model.offline
    parts = split_for_slack(text)
    shown = StreamingMessage(client, work.channel, placeholder_ts, interval=0).settle(
        blocks.draft(parts[0], model, offline=offline, state="done", part=(1, len(parts)),
                     revision=revision))
    posted: set[int] = set()
    if len(parts) > 1 and work.attempts > 1:
        try:
            posted = {int(payload["part"]) for payload, _ in posted_in_thread(
                client, work.channel, str(work.thread_ts), DRAFT_PART_EVENT)
                if payload.get("draft_ts") == placeholder_ts
                and isinstance(payload.get("part"), int)}
        except SLACK_FAILURES:
            return False
    for number, part in enumerate(parts[1:], start=2):
        if number in posted:
            continue
        fallback, part_blocks = blocks.draft(part, model, offline=offline, state="done",
                                             part=(number, len(parts)), revision=revision)
        try:
            client.chat_postMessage(
                channel=work.channel, thread_ts=work.thread_ts, text=fallback,
                blocks=part_blocks, metadata={"event_type": DRAFT_PART_EVENT, "event_payload": {
                    "draft_ts": placeholder_ts, "part": number}})
        except SLACK_FAILURES as exc:
            log.warning("could not post part %d of a draft: %s", number, failure_name(exc))
            shown = shown and is_permanent(exc)
    return shown


def _settle_failed(client: WebClient, channel: str, ts: str, deps: Deps, text: str,
                   note: str) -> bool:
    return StreamingMessage(client, channel, ts, interval=0).settle(
        blocks.draft(text, deps.model.model, offline=deps.model.offline, state="failed",
                     note=note))


def read_thread(client: WebClient, channel: str, thread_ts: str, *,
                exclude: str | None = None) -> list[ThreadMessage]:
    """Every message of the thread, oldest first (paginated `conversations.replies`)."""
    name_of = UserNames(client)
    messages: list[ThreadMessage] = []
    cursor: str | None = None
    while True:
        page = client.conversations_replies(channel=channel, ts=thread_ts, limit=REPLIES_PAGE,
                                            cursor=cursor)
        messages_on_page: list[dict[str, Any]] = page.get("messages", [])
        for message in messages_on_page:
            if message.get("ts") == exclude or message.get("subtype") == "tombstone":
                continue
            author = AI_AUTHOR if message.get("bot_id") else name_of(message.get("user"))
            messages.append(ThreadMessage(author=author, text=message.get("text") or "",
                                          ts=message.get("ts", "")))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    return messages


def _tell_privately(client: WebClient, channel: str, user: str | None, thread_ts: str,
                    text: str) -> None:
    if not user:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)
    except SLACK_FAILURES as exc:
        log.warning("could not tell %s privately: %s", user, failure_name(exc))
