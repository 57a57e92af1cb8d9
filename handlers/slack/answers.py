"""Answering the person who clicked or used a shortcut, shared by the handlers: privately
through the payload's response URL (`tell`), after Slack has its answer (`soon`), and
storing what they asked for before Slack is answered (`stored_or_told`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, Respond

from bot.deps import Deps
from bot.errors import BadInput, Busy, DatabaseUnavailable, NotSaved, user_message
from handlers.slack.api_errors import SLACK_FAILURES, failure_name

log = logging.getLogger(__name__)
T = TypeVar("T")


def tell(respond: Respond, text: str, shown: list[dict[str, Any]] | None = None) -> None:
    """Only to the person who clicked or used the shortcut, through the response URL;
    best effort."""
    try:
        respond(text=text, blocks=shown or None, response_type="ephemeral",
                replace_original=False)
    except SLACK_FAILURES as exc:
        log.warning("could not answer the person: %s", failure_name(exc))


def soon(deps: Deps, fn: Callable[..., Any], *args: Any) -> None:
    """After Slack has its answer, on the job pool (here and now when it is full)."""
    try:
        deps.jobs.submit(fn, *args)
    except Busy:
        fn(*args)


def stored_or_told(deps: Deps, ack: Ack, respond: Respond, store: Callable[[], T], *,
                   again: str) -> tuple[bool, T | None]:
    """(True, `store()`) once it is stored, Slack not answered yet. BadInput (a daily
    limit, a channel idealoop does not work in, …): Slack answered, then the person told
    why, (False, None). The database away: NotSaved raised, so Slack gets a 503, and the
    person told nothing was saved and `again`. The person is told after Slack's answer
    (`soon`): a slow response URL must not hold it."""
    try:
        return True, store()
    except BadInput as exc:
        ack()
        soon(deps, tell, respond, exc.user_message)
        return False, None
    except DatabaseUnavailable as exc:
        soon(deps, tell, respond, f"{user_message(exc)} {again}")
        raise NotSaved(str(exc)) from exc
