"""How a log line is written: lines that nobody outside can forge or flood. (Which
workspace, channel and work a line is about is `bot.log_context`'s.)

Values from requests reach the log through our own messages and through the libraries'
(Bolt's OAuth flow logs the `error` and `code` a redirect brings, slack_sdk a `state`).
`SafeFormatter`, installed on the one handler the CLI sets up, is the single place
where every record of every logger becomes text:

- control characters (newlines, carriage returns, escape sequences, Unicode line and
  paragraph separators, bidirectional overrides) are written as escapes (`\\n`,
  `\\x1b`, `\\u2028`), so one record is one line;
- each argument of a message is clipped to `MAX_VALUE` characters and the whole
  message to `MAX_MESSAGE`, with "…(N more)" saying how much was left out;
- a traceback keeps its lines, each prefixed with `TRACEBACK_PREFIX` and escaped and
  clipped like a message, so every line of the log starts with a time stamp or that
  prefix.

With `IDEALOOP_LOG_FORMAT=json`, `JsonFormatter` writes each record as one JSON object
instead, with the same guarantees: its message is `SafeFormatter.message` (escaped,
clipped), the workspace, channel and work id of `bot.log_context` are added where known
(escaped and clipped too: a request chose them), and a traceback becomes one clipped
field (`MAX_EXCEPTION`), each of its lines escaped and clipped as in the text format.
What a record's `args` held beyond its message (request bodies, tokens) is never
written: there is no field for "everything else".

A database error's text can quote people's words: SQLAlchemy's `[parameters: ...]`
(idealoop's engines hide them, `storage.db`), the driver's `DETAIL` (PostgreSQL's
"Failing row contains (...)", "Key (...)=(...)") and PostgreSQL's data exceptions
(`invalid input syntax for type integer: "..."`). In a traceback and in the JSON `error`
field, each such error (SQLAlchemy's or a driver's, anywhere in the chain) says only its
first line, and a data exception (SQLSTATE class 22) only its code (`said`).

An exception nobody caught in a thread would be printed to stderr as it is;
`log_thread_exceptions` sends it through logging instead.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.log_context import log_fields

MAX_VALUE = 300
MAX_MESSAGE = 500
MAX_EXCEPTION = 8000  # a whole traceback, its lines joined; `error` always says what it was
TRACEBACK_PREFIX = "    | "
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_DATABASE_MODULES = frozenset({"sqlalchemy", "psycopg", "psycopg2", "sqlite3"})


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…({len(text) - limit} more)"


def safe(text: str, limit: int = MAX_VALUE) -> str:
    """`text` on one line, clipped: fit for a log whatever it holds."""
    return clip(_UNSAFE.sub(_escape_one, text), limit)


def _safe_arg(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value  # %d and %f still work, and numbers hold no newline
    if isinstance(value, bytes | bytearray):
        return safe(repr(bytes(value)))
    return safe(str(value))


class SafeFormatter(logging.Formatter):
    def __init__(self, fmt: str = FORMAT, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        # A copy: the record's own fields stay as they were for any other handler.
        copy = logging.makeLogRecord(record.__dict__)
        copy.msg, copy.args = self.message(record), None
        copy.exc_text = None  # formatted again here, with the prefix
        return super().format(copy)

    @staticmethod
    def message(record: logging.LogRecord) -> str:
        """The record's message with each argument made safe, then the whole."""
        args: Any = record.args
        try:
            if isinstance(args, Mapping):
                args = {key: _safe_arg(value) for key, value in args.items()}
            elif isinstance(args, tuple):
                args = tuple(_safe_arg(value) for value in args)
            text = str(record.msg) % args if args else str(record.msg)
        except (TypeError, ValueError, KeyError):
            text = record.getMessage()  # a format that needs the original values
        return safe(text, MAX_MESSAGE)

    def formatException(self, ei: Any) -> str:
        return _prefixed(format_exception(ei))

    def formatStack(self, stack_info: str) -> str:
        return _prefixed(super().formatStack(stack_info))


def _prefixed(text: str) -> str:
    return "\n".join(TRACEBACK_PREFIX + safe(line, MAX_MESSAGE)
                     for line in text.splitlines())


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object on one line, for log pipelines that index fields.

    Fields: `time` (UTC, ISO 8601), `level`, `logger`, `message`; `team`, `channel` and
    `work_id` when the record was written inside a `log_scope` that knows them; `error`
    (the exception's type and message) and `exception` (the traceback) when there is
    one, `stack` when asked for. Every text is escaped and clipped before JSON encodes
    it, so a field reads exactly as the same value does in the text format."""

    def formatException(self, ei: Any) -> str:
        return format_exception(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
                            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": safe(record.name),
            "message": SafeFormatter.message(record),
        }
        entry.update({name: safe(value) if isinstance(value, str) else value
                      for name, value in log_fields().items()})
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error"] = safe(f"{type(error).__name__}: {said(error)}", MAX_MESSAGE)
            entry["exception"] = _joined(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = _joined(record.exc_text)
        if record.stack_info:
            entry["stack"] = _joined(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def _from_database(error: BaseException) -> bool:
    return type(error).__module__.partition(".")[0] in _DATABASE_MODULES


def _sqlstate(error: BaseException) -> str:
    driver = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
    return str(getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None) or "")


def said(error: BaseException) -> str:
    """What `error` says, fit for the log: all of it, but for a database error (see the
    module's docstring) its first line, or its SQLSTATE alone for a data exception."""
    text = str(error)
    if not _from_database(error):
        return text
    code = _sqlstate(error)
    if code.startswith("22"):
        return f"({type(getattr(error, 'orig', None) or error).__name__}) SQLSTATE {code} " \
               "(a data exception; its message, which quotes the value, is left out)"
    return text.split("\n", 1)[0]


def format_exception(ei: Any) -> str:
    """A traceback as `logging` writes it, each database error in it saying only `said`."""
    shown = traceback.TracebackException(*ei)
    _scrub(shown, ei[1], set())
    return "".join(shown.format()).rstrip("\n")


def _scrub(shown: traceback.TracebackException | None, error: BaseException | None,
           seen: set[int]) -> None:
    """Replace the text of each database error in `shown` (the rendering of `error` and
    of the exceptions chained to it) by what `said` keeps of it."""
    if shown is None or error is None or id(error) in seen:
        return
    seen.add(id(error))
    if _from_database(error):
        shown._str = said(error)  # type: ignore[attr-defined]  # the text it prints
    _scrub(shown.__cause__, error.__cause__, seen)
    _scrub(shown.__context__, error.__context__, seen)
    for inner_shown, inner in zip(getattr(shown, "exceptions", None) or (),
                                  getattr(error, "exceptions", None) or (), strict=False):
        _scrub(inner_shown, inner, seen)


def _joined(text: str) -> str:
    """A traceback as one field: its lines escaped and clipped as the text format's are,
    kept apart by newlines (which JSON escapes), the whole clipped."""
    return clip("\n".join(safe(line, MAX_MESSAGE) for line in text.split("\n")),
                MAX_EXCEPTION)


def formatter(kind: str = "text") -> logging.Formatter:
    """The formatter of a log format (`IDEALOOP_LOG_FORMAT`): "text" or "json"."""
    if kind == "json":
        return JsonFormatter()
    if kind == "text":
        return SafeFormatter()
    raise ValueError(f"unknown log format {kind!r}")


def safe_handler(handler: logging.Handler, kind: str = "text") -> logging.Handler:
    """`handler`, writing through `SafeFormatter` (or `JsonFormatter`)."""
    handler.setFormatter(formatter(kind))
    return handler


def use_log_format(kind: str, logger: logging.Logger | None = None) -> None:
    """Write every record from now on in `kind`: the handlers of `logger` (default the
    root logger) that write through one of these formatters get the one of `kind`.
    That is the handler the CLI set up before the settings naming the format were
    read; a handler someone else added (a test runner's) is left alone."""
    for handler in (logger or logging.getLogger()).handlers:
        if isinstance(handler.formatter, SafeFormatter | JsonFormatter):
            safe_handler(handler, kind)


def log_thread_exceptions() -> None:
    """Uncaught exceptions in threads go to the log (and its formatter), not raw to stderr."""
    thread_log = logging.getLogger("idealoop.threads")

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return  # as Python's own hook does
        name = args.thread.name if args.thread is not None else "?"
        thread_log.error("uncaught exception in thread %s: %s", name,
                         args.exc_type.__name__, exc_info=args.exc_value)

    threading.excepthook = hook
