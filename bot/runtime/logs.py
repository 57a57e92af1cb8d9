"""Log lines that nobody outside can forge or flood.

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

An exception nobody caught in a thread would be printed to stderr as it is;
`log_thread_exceptions` sends it through logging instead.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

MAX_VALUE = 300
MAX_MESSAGE = 500
TRACEBACK_PREFIX = "    | "
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


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
        return _prefixed(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _prefixed(super().formatStack(stack_info))


def _prefixed(text: str) -> str:
    return "\n".join(TRACEBACK_PREFIX + safe(line, MAX_MESSAGE)
                     for line in text.splitlines())


def safe_handler(handler: logging.Handler) -> logging.Handler:
    """`handler`, writing through `SafeFormatter`."""
    handler.setFormatter(SafeFormatter())
    return handler


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
