"""Which workspace, channel and piece of work a log line is about.

A log line says what happened; an operator reading thousands of them from many
workspaces also needs to know *where*. Passing a team id into every `log.info` would
touch every call, and the libraries' own lines (Bolt's, slack_sdk's) could never carry
it. So the places where a request or a piece of work begins open a `log_scope`, and the
JSON log formatter (`bot.runtime.log_format`, how a line is written) reads the fields
from here.

They live in context variables: each thread (and each task copied from it with
`contextvars.copy_context`, as the listener and job pools do) sees the scope it runs
in, and leaving a scope puts the previous values back, so a pool thread carries
nothing over from one request to the next.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_team: ContextVar[str | None] = ContextVar("idealoop_log_team", default=None)
_channel: ContextVar[str | None] = ContextVar("idealoop_log_channel", default=None)
_work_id: ContextVar[int | None] = ContextVar("idealoop_log_work_id", default=None)


@contextlib.contextmanager
def log_scope(*, team: str | None = None, channel: str | None = None,
              work_id: int | None = None) -> Iterator[None]:
    """Within this block, log lines carry these fields. A field not given (or empty)
    keeps the value of the enclosing scope: work started by a request knows the
    request's workspace even before it adds its own id."""
    team_token = _team.set(team) if team else None
    channel_token = _channel.set(channel) if channel else None
    work_token = _work_id.set(work_id) if work_id is not None else None
    try:
        yield
    finally:
        if work_token is not None:
            _work_id.reset(work_token)
        if channel_token is not None:
            _channel.reset(channel_token)
        if team_token is not None:
            _team.reset(team_token)


def log_fields() -> dict[str, str | int]:
    """The fields known here and now; those unknown are left out, not null."""
    fields: dict[str, str | int] = {}
    if (team := _team.get()) is not None:
        fields["team"] = team
    if (channel := _channel.get()) is not None:
        fields["channel"] = channel
    if (work_id := _work_id.get()) is not None:
        fields["work_id"] = work_id
    return fields
