"""`@idealoop <instruction>`: accepting a draft built from the thread.

A mention in a thread answers in that thread; a mention outside one answers in a new
thread under it. A further mention in the same thread revises the latest draft. The
listener stores the mention as accepted work before Slack gets its answer (when it
cannot, Slack is answered with an error and delivers the mention again); the draft is
written on the job pool (`bot.work.runs.draft.DraftRunner`, shown in Slack
by `handlers.work.draft_chat`), resumably, so the placeholder always ends in a final state.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import BadInput, DatabaseUnavailable, NotSaved
from bot.slack_values import is_slack_id, is_ts
from handlers.work.draft_chat import tell_privately

log = logging.getLogger(__name__)
LAST_SLACK_RETRY = 3  # Slack re-delivers an event three times, over about five minutes


def register(app: App, deps: Deps) -> None:
    def app_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient,
                    request: BoltRequest, context: BoltContext) -> None:
        accept_mention(event, body, client, deps.for_team(context.team_id),
                       retry_num=_retry_num(request),
                       bot_user_id=context.bot_user_id)

    app.event("app_mention")(app_mention)


def accept_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient, deps: Deps,
                   *, retry_num: int | None = None, bot_user_id: str | None = None) -> None:
    """Store the mention as work, then return (Bolt answers Slack 200). When it cannot be
    stored the person hears why, and Slack is answered with an error to deliver it again.
    A mention whose ids Slack would never send is refused (400)."""
    channel, user, ts = event.get("channel"), event.get("user"), event.get("ts")
    thread_ts = event.get("thread_ts") or ts
    if not (is_slack_id(channel) and is_slack_id(user) and is_ts(ts) and is_ts(thread_ts)):
        raise BadInput("a mention without a usable channel, user or timestamp")
    assert isinstance(channel, str) and isinstance(user, str) and isinstance(thread_ts, str)
    try:
        item = deps.work.accept(
            "draft", team=deps.team, delivery_key=f"event:{body.get('event_id') or ts}",
            channel=channel, user=user, thread_ts=thread_ts,
            request={"text": str(event.get("text") or ""), "ts": ts,
                     "bot": bot_user_id if is_slack_id(bot_user_id) else None})
    except BadInput as exc:  # a daily limit, or a channel idealoop does not work in
        tell_privately(client, channel, user, thread_ts, exc.user_message)
        return
    except DatabaseUnavailable as exc:
        # Slack delivers it again up to three times: the person hears of the first failure
        # and of the last, not of each.
        if not retry_num:
            tell_privately(client, channel, user, thread_ts, NotSaved.user_message +
                           " Slack will send me your request again in a minute or two.")
        elif retry_num >= LAST_SLACK_RETRY:
            tell_privately(client, channel, user, thread_ts, NotSaved.user_message)
        raise NotSaved(str(exc)) from exc
    if item is not None:  # None: Slack delivered this mention twice
        deps.worker.run_soon(item)


def _retry_num(request: BoltRequest) -> int:
    """Which re-delivery this is (Slack's `X-Slack-Retry-Num`); 0 for the first."""
    values = request.headers.get("x-slack-retry-num") or ["0"]
    return int(values[0]) if values[0].isdigit() else 0
