"""`@idealoop <instruction>`: a draft built from the thread, streamed into a placeholder.

A mention in a thread answers in that thread; a mention outside one answers in a new
thread under it. A further mention in the same thread revises the latest draft. The
listener posts the placeholder at once and hands the rest to `deps.jobs`.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.drafts import DraftPlan
from bot.errors import Busy, IdealoopError, LLMBadOutput, user_message
from bot.llm.thread_fitting import AI_AUTHOR, ThreadMessage
from handlers.slack import blocks
from handlers.slack.api_errors import describe_slack_error
from handlers.slack.deliveries import first_delivery
from handlers.slack.lookups import UserNames
from handlers.slack.mrkdwn import split_for_slack
from handlers.slack.streaming import StreamingMessage

log = logging.getLogger(__name__)
REPLIES_PAGE = 200


def register(app: App, deps: Deps) -> None:
    def app_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if first_delivery(body, deps):  # Bolt has acked already: the claim costs no latency
            handle_mention(event, client, deps)

    app.event("app_mention")(app_mention)


def handle_mention(event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    channel = event["channel"]
    thread_ts = event.get("thread_ts") or event["ts"]
    text, placeholder_blocks = blocks.drafting_placeholder(deps.model.model)
    try:
        placeholder = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text,
                                              blocks=placeholder_blocks)
    except SlackApiError as exc:
        log.warning("could not post a draft placeholder: %s", exc.response.get("error"))
        _tell_privately(client, channel, event.get("user"), thread_ts,
                        describe_slack_error(exc))
        return
    try:
        deps.jobs.submit(run_draft, deps, client, event, thread_ts, placeholder["ts"])
    except Busy as exc:
        _settle_failed(client, channel, placeholder["ts"], deps, "", exc.user_message)


def run_draft(deps: Deps, client: WebClient, event: dict[str, Any], thread_ts: str,
              placeholder_ts: str) -> None:
    """Read the thread, stream the draft into the placeholder, settle it, store it."""
    channel = event["channel"]
    try:
        thread = read_thread(client, channel, thread_ts, exclude=placeholder_ts)
    except SlackApiError as exc:
        log.warning("could not read thread %s: %s", thread_ts, exc.response.get("error"))
        _settle_failed(client, channel, placeholder_ts, deps, "",
                       f"I could not read this thread: {describe_slack_error(exc)}")
        return
    message = StreamingMessage(client, channel, placeholder_ts,
                               interval=deps.settings.stream_interval)
    written = ""
    try:  # whatever fails, the placeholder settles into a clear note
        plan = deps.drafter.plan(channel=channel, thread_ts=thread_ts,
                                 mention_text=event.get("text", ""), thread=thread,
                                 mention_ts=event.get("ts"))
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
    except Exception as exc:
        log.warning("draft failed after %d characters: %s", len(written), exc,
                    exc_info=not isinstance(exc, IdealoopError))
        note = user_message(exc)
        if written.strip():
            note += " The text above is incomplete and was not saved; mention me to try again."
        _settle_failed(client, channel, placeholder_ts, deps, written, note)
        return
    _settle_done(client, deps, plan, placeholder_ts, written)


def _settle_done(client: WebClient, deps: Deps, plan: DraftPlan, placeholder_ts: str,
                 text: str) -> None:
    model, offline = deps.model.model, deps.model.offline
    parts = split_for_slack(text)
    channel = plan.channel
    first = StreamingMessage(client, channel, placeholder_ts, interval=0)
    first.settle(blocks.draft(parts[0], model, offline=offline, state="done",
                              part=(1, len(parts)), revision=plan.is_revision))
    for number, part in enumerate(parts[1:], start=2):
        fallback, part_blocks = blocks.draft(part, model, offline=offline, state="done",
                                             part=(number, len(parts)),
                                             revision=plan.is_revision)
        try:
            client.chat_postMessage(channel=channel, thread_ts=plan.thread_ts, text=fallback,
                                    blocks=part_blocks)
        except SlackApiError as exc:
            log.warning("could not post part %d of a draft: %s", number,
                        exc.response.get("error"))
    deps.drafter.save(plan, ts=placeholder_ts, text=text, model=model)


def _settle_failed(client: WebClient, channel: str, ts: str, deps: Deps, text: str,
                   note: str) -> None:
    StreamingMessage(client, channel, ts, interval=0).settle(
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
    except SlackApiError as exc:
        log.warning("could not tell %s privately: %s", user, exc.response.get("error"))
