"""The buttons under `/brainstorm forget me`: forget the person who clicked, or not.

Only the person who asked sees the question (it is ephemeral), and a click forgets the
person who clicked, so nobody can forget someone else. The removal is one database
transaction, done before Slack gets its answer; the question is then replaced by what
was removed, through the response URL from the job pool (after Slack's answer, which a
slow response URL must not hold). When the database is down the person is told and nothing changed.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.deps import Deps
from bot.errors import BadInput, DatabaseUnavailable, NotSaved, user_message
from bot.privacy import FORGET_CANCELLED, forgotten_summary
from bot.slack_values import is_slack_id
from handlers.slack import blocks
from handlers.slack.answers import soon
from handlers.slack.api_errors import SLACK_FAILURES, failure_name
from handlers.slack.payloads import dig

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def forget(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        user = dig(body, "user", "id")
        if not is_slack_id(user):
            raise BadInput("a forget click without a usable user")
        try:
            forgotten = deps.for_team(context.team_id).privacy.forget(str(user))
        except DatabaseUnavailable as exc:  # answered 503, then the person told
            soon(deps, _answer, respond, user_message(exc) + " Click again in a minute.")
            raise NotSaved(str(exc)) from exc
        ack()
        soon(deps, _answer, respond, forgotten_summary(forgotten))

    def keep(ack: Ack, respond: Respond) -> None:
        ack()
        soon(deps, _answer, respond, FORGET_CANCELLED)

    app.action(blocks.FORGET_ACTION)(forget)
    app.action(f"{blocks.FORGET_ACTION}_cancel")(keep)



def _answer(respond: Respond, text: str) -> None:
    """Replace the question with the outcome; best effort (the outcome is stored)."""
    try:
        respond(text=text, replace_original=True, response_type="ephemeral")
    except SLACK_FAILURES as exc:
        log.warning("could not answer a forget click: %s", failure_name(exc))
