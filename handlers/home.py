"""The App Home tab, and the modals its buttons open.

`app_home_opened` publishes the person's home (`bot.home`) from the job pool, so the
event is answered at once. "Change digest" and "Edit guidance" open modals (`views.open`
must come within three seconds of the click, so it is called in the listener); their
submissions change the channel exactly as `/brainstorm digest` and `/brainstorm guide`
do, are announced in the channel naming who made the change, and refresh the home. A
value that does not parse is shown under its field, and the modal stays open.
"""

from __future__ import annotations

import difflib
import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import command_parser
from bot.deps import Deps
from bot.digests import describe
from bot.errors import BadInput, DatabaseUnavailable, user_message
from bot.slack_values import is_slack_id
from handlers.slack import blocks
from handlers.slack.answers import soon
from handlers.slack.api_errors import SLACK_FAILURES, failure_name
from handlers.slack.payloads import dig

log = logging.getLogger(__name__)
NOT_YOURS = ("You can change channels you use idealoop in; run `/brainstorm` there "
             "first.")


def register(app: App, deps: Deps) -> None:
    def opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        user = event.get("user")
        if event.get("tab") == "home" and is_slack_id(user):
            scoped = deps.for_team(context.team_id)
            soon(scoped, publish, client, scoped, str(user))

    def open_schedule(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                      client: WebClient, context: BoltContext) -> None:
        scoped = deps.for_team(context.team_id)
        _open(ack, body, action, client, scoped, lambda channel: blocks.schedule_modal(
            channel, describe(scoped.digests.subscription(channel))))

    def open_guidance(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                      client: WebClient, context: BoltContext) -> None:
        scoped = deps.for_team(context.team_id)
        _open(ack, body, action, client, scoped, lambda channel: blocks.guidance_modal(
            channel, scoped.guidance.of(channel)))

    def save_schedule(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                      client: WebClient, context: BoltContext) -> None:
        scoped = deps.for_team(context.team_id)

        def change(channel: str, user: str, value: str) -> str:
            try:
                parsed = command_parser.parse_schedule(value, scoped.settings.timezone)
            except BadInput:
                parsed = None
            if parsed is None or (not parsed.off and parsed.period is None):
                nearest = nearest_schedule(value, scoped.settings.timezone)
                raise BadInput(f"I don't understand “{value[:30]}”. Did you mean “{nearest}”? "
                               "Say daily, weekly or off, with a time and zone if you like.")
            answer = scoped.digests.change_schedule(channel, user, parsed)
            return f"<@{user}> changed this channel's digest from their App Home. {answer}"

        _save(ack, body, view, client, scoped, blocks.SCHEDULE_INPUT, change)

    def save_guidance(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                      client: WebClient, context: BoltContext) -> None:
        scoped = deps.for_team(context.team_id)

        def change(channel: str, user: str, value: str) -> str:
            if not value.strip():
                scoped.guidance.clear(channel)
                return blocks.guidance_cleared(user)
            text = scoped.guidance.set(channel, value, user)
            return blocks.guidance_set(user, text)

        _save(ack, body, view, client, scoped, blocks.GUIDANCE_INPUT, change)

    # The Messages tab opening is the agent DM's (`handlers.agent`).
    app.event("app_home_opened", matchers=[lambda event: event.get("tab") == "home"])(opened)
    app.action(blocks.HOME_SCHEDULE_ACTION)(open_schedule)
    app.action(blocks.HOME_GUIDANCE_ACTION)(open_guidance)
    app.view(blocks.SCHEDULE_MODAL)(save_schedule)
    app.view(blocks.GUIDANCE_MODAL)(save_guidance)


_SCHEDULE_WORDS = ("daily", "weekly", "off")
_LOOSE_TIME = re.compile(r"^(\d{1,2})(?:[.:h]?(\d{2}))?(am|pm)?$", re.IGNORECASE)


def nearest_schedule(value: str, timezone: str) -> str:
    """The valid digest value nearest to `value`, for the modal's did-you-mean: words
    that parse (a time, a zone) are kept, a loose time is written HH:MM (`9.30` →
    `09:30`, `9pm` → `21:00`), any other word becomes the closest of daily, weekly and
    off; `daily` when nothing is close."""
    period, kept = None, []
    for word in value.split()[:4]:
        if word.lower() in _SCHEDULE_WORDS:
            period = period or word.lower()
            continue
        try:
            command_parser.parse_schedule(f"daily {word}", timezone)
            kept.append(word)
            continue
        except BadInput:
            pass
        if (match := _LOOSE_TIME.match(word)) is not None:
            hour = int(match[1]) % 12 + (12 if (match[3] or "").lower() == "pm" else 0) \
                if match[3] else int(match[1])
            if hour < 24 and int(match[2] or 0) < 60:
                kept.append(f"{hour:02d}:{match[2] or '00'}")
                continue
        close = difflib.get_close_matches(word.lower(), _SCHEDULE_WORDS, n=1, cutoff=0.4)
        period = period or (close[0] if close else None)
    if period == "off":
        return "off"
    suggestion = " ".join([period or "daily", *kept])
    try:
        command_parser.parse_schedule(suggestion, timezone)
    except BadInput:  # two times, two zones: keep the period only
        return period or "daily"
    return suggestion


def publish(client: WebClient, deps: Deps, user: str) -> None:
    """Publish `user`'s home; a database that is away is said there, not hidden."""
    try:
        view = blocks.home_view(deps.reports.home_cards(user),
                                offline=deps.model.offline,
                                yours=deps.decisions.yours(user),
                                due=deps.decisions.due_this_week(user))
    except DatabaseUnavailable as exc:
        log.warning("home for %s: %s", user, exc)
        view = blocks.home_unavailable(user_message(exc))
    try:
        client.views_publish(user_id=user, view=view)
    except SLACK_FAILURES as exc:
        log.warning("could not publish a home: %s", failure_name(exc))


def _open(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
          deps: Deps, modal: Any) -> None:
    user = dig(body, "user", "id")
    channel, trigger = action.get("value"), body.get("trigger_id")
    if not (is_slack_id(user) and is_slack_id(channel) and isinstance(trigger, str)):
        raise BadInput("a home button without a usable user, channel or trigger")
    ack()
    try:
        if not deps.reports.may_change(str(user), str(channel)):
            return
        view = modal(str(channel))
    except DatabaseUnavailable as exc:
        log.warning("home button: %s", exc)
        return
    try:
        client.views_open(trigger_id=trigger, view=view)
    except SLACK_FAILURES as exc:
        log.warning("could not open a modal: %s", failure_name(exc))


def _save(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
          deps: Deps, field: str, change: Any) -> None:
    """Apply a modal's value; errors go under the field and keep the modal open."""
    user = dig(body, "user", "id")
    channel = view.get("private_metadata")
    value = dig(view, "state", "values", field, field, "value") or ""
    if not (is_slack_id(user) and is_slack_id(channel) and isinstance(value, str)):
        raise BadInput("a modal without a usable user, channel or value")
    try:
        if not deps.reports.may_change(str(user), str(channel)):
            raise BadInput(NOT_YOURS)
        announcement = change(str(channel), str(user), value)
    except (BadInput, DatabaseUnavailable) as exc:
        ack(response_action="errors", errors={field: user_message(exc)[:150]})
        return
    ack()
    soon(deps, _announce_and_refresh, client, deps, str(channel), str(user), announcement)


def _announce_and_refresh(client: WebClient, deps: Deps, channel: str, user: str,
                          text: str) -> None:
    try:
        client.chat_postMessage(channel=channel, text=text)
    except SLACK_FAILURES as exc:
        log.warning("could not announce a change made from App Home: %s", failure_name(exc))
    publish(client, deps, user)

