"""Decisions in Slack: "Decide…" on an idea or a draft opens a modal; its submission is
stored (`bot.decisions`) and announced in the item's thread; the owner's reminder
(posted by durable work, `handlers.work.reminder_chat`) carries [Done] [Dropped]
[Snooze a week].

- The modal opens from the click's listener: `views.open` must come within three
  seconds of the click (its trigger runs out), so only one database read comes first.
- A submission is acknowledged only once the decision is stored: a form that is wrong,
  an item that cannot be decided on, or a database that is away is answered with
  `response_action: errors` under the field concerned, so the modal stays open and the
  person sees why (nothing is stored). A second delivery of the same submission stores
  nothing more and is not announced again. The announcement in the thread is durable
  work (`bot.work.runs.notice`), queued before Slack is answered.
- A reminder's click is stored before Slack is answered; the message is then replaced
  by what the decision is now. A click that cannot be stored is answered 503 and told to
  the person, as every click is (`handlers.actions`). What goes through a response URL
  goes after Slack's answer, from the job pool.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.decisions import (
    DONE,
    DROPPED,
    DUE,
    NOTE,
    OWNER,
    TEXT,
    DecisionForm,
    FormErrors,
)
from bot.deps import Deps
from bot.errors import BadInput, DatabaseUnavailable, user_message
from bot.slack_values import is_slack_id, is_ts
from bot.work.runs.notice import queue_notice
from handlers.actions import click_of
from handlers.slack import blocks
from handlers.slack.answers import soon, stored_or_told, tell
from handlers.slack.api_errors import SLACK_FAILURES, failure_name
from handlers.slack.lookups import user_zone
from handlers.slack.payloads import dig

log = logging.getLogger(__name__)
FIRST_DUE = timedelta(days=7)  # the date picker starts a week ahead
ERROR_CHARS = 150  # what a modal shows under a field is short


def register(app: App, deps: Deps) -> None:
    def decide(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
               client: WebClient, context: BoltContext) -> None:
        open_decide(ack, body, action, respond, client, deps.for_team(context.team_id))

    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                  context: BoltContext) -> None:
        on_submission(ack, body, view, deps.for_team(context.team_id), client)

    def answer(status: str) -> Callable[..., None]:
        def clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                    respond: Respond, context: BoltContext) -> None:
            on_reminder_click(ack, body, action, respond, deps.for_team(context.team_id),
                              status)
        return clicked

    app.action(blocks.DECIDE_ACTION)(decide)
    app.view(blocks.DECIDE_MODAL)(submitted)
    app.action(blocks.REMINDER_DONE)(answer(DONE))
    app.action(blocks.REMINDER_DROPPED)(answer(DROPPED))
    app.action(blocks.REMINDER_SNOOZE)(answer("snooze"))


def open_decide(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                client: WebClient, deps: Deps) -> None:
    """"Decide…": the modal, prefilled from the item; or why it cannot be, privately."""
    click = click_of(body, action)
    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        raise BadInput("a Decide click without a trigger")
    try:
        proposal = deps.decisions.proposal(click.channel, click.message_ts)
        due = deps.decisions.today() + FIRST_DUE
    except (BadInput, DatabaseUnavailable) as exc:
        ack()
        soon(deps, tell, respond, user_message(exc))
        return
    ack()
    # `views.open` stays here: the trigger runs out three seconds after the click, and a
    # job on the pool may wait behind brainstorms (the call itself is Slack's only).
    metadata = json.dumps({"c": click.channel, "m": click.message_ts})
    view = blocks.decide_modal(proposal, decider=click.user, due=due.isoformat(),
                               metadata=metadata)
    try:
        client.views_open(trigger_id=trigger, view=view)
    except SLACK_FAILURES as exc:
        log.warning("could not open the decision modal: %s", failure_name(exc))
        tell(respond, "Slack did not open the decision form in time. Click *Decide…* "
                       "again.")


def form_of(body: dict[str, Any], view: dict[str, Any]) -> DecisionForm:
    """The submitted form; BadInput when it does not come from our modal as Slack sends
    it."""
    user, view_id = dig(body, "user", "id"), view.get("id")
    try:
        where = json.loads(str(view.get("private_metadata") or ""))
    except ValueError:
        where = None
    if not (isinstance(where, dict) and is_slack_id(where.get("c")) and is_ts(where.get("m"))
            and is_slack_id(user) and isinstance(view_id, str) and view_id):
        raise BadInput("a decision form without a usable user, view or origin")

    def picked(block: str, key: str) -> str | None:
        value = dig(view, "state", "values", block, block, key)
        return value if isinstance(value, str) else None

    prefill = next((dig(block, "element", "initial_value") for block in
                    view.get("blocks") or [] if isinstance(block, dict)
                    and block.get("block_id") == TEXT), None)
    return DecisionForm(channel=str(where["c"]), message_ts=str(where["m"]),
                        view_id=view_id, decider=str(user),
                        text=picked(TEXT, "value") or "",
                        owner=picked(OWNER, "selected_user"),
                        due=picked(DUE, "selected_date"), note=picked(NOTE, "value"),
                        prefill=prefill if isinstance(prefill, str) else None)


def on_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: Deps,
                  client: WebClient) -> None:
    """Store the decision, with its owner's time zone (their reminder comes at 09:00
    there), then close the modal; errors keep it open, under their field."""
    form = form_of(body, view)
    if is_slack_id(form.owner):
        form = replace(form, owner_tz=user_zone(client, str(form.owner)))
    try:
        decision, _ = deps.decisions.decide(form, action_ts=f"{time.time():.6f}")
    except FormErrors as exc:
        ack(response_action="errors",
            errors={field: said[:ERROR_CHARS] for field, said in exc.errors.items()})
        return
    except (BadInput, DatabaseUnavailable) as exc:
        ack(response_action="errors", errors={TEXT: user_message(exc)[:ERROR_CHARS]})
        return
    try:  # announced by durable work; queued once, whichever delivery gets here
        notice = queue_notice(deps.work, decision)
    except DatabaseUnavailable as exc:  # stored: the scheduler tick queues it in a minute
        log.warning("decision %d stored, its announcement not queued yet: %s", decision.id,
                    exc)
        notice = None
    ack()
    if notice is not None:
        deps.worker.run_soon(notice)


def on_reminder_click(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                      respond: Respond, deps: Deps, status: str) -> None:
    """[Done], [Dropped] or [Snooze a week] on a reminder: stored, then the message says
    what the decision is now."""
    click = click_of(body, action)
    if not click.value.isdigit():
        raise BadInput("a reminder click without a decision")
    decision_id = int(click.value)
    stored, closed = stored_or_told(deps, ack, respond, lambda: (
        deps.decisions.snooze(decision_id, click.user) if status == "snooze"
        else deps.decisions.close(decision_id, status, click.user)),
        again="Click again in a minute.")
    if not stored or closed is None:
        return
    ack()
    text, shown = blocks.reminder_answered(closed.decision, closed.said, click.user)

    def replace() -> None:
        try:
            respond(text=text, blocks=shown, replace_original=True)
        except SLACK_FAILURES as exc:
            log.warning("could not update a reminder: %s", failure_name(exc))

    soon(deps, replace)

