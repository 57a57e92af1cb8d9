"""The log formatter: one record is one line, whatever a request put in it, and no value
floods the log."""

from __future__ import annotations

import io
import logging
import sys
import threading

import pytest

from bot.runtime.log_format import (
    MAX_MESSAGE,
    MAX_VALUE,
    TRACEBACK_PREFIX,
    SafeFormatter,
    log_thread_exceptions,
    safe,
    safe_handler,
)

HOSTILE = ["x\nFAKE LOG LINE", "x\r\nFAKE", "x\rFAKE", "x\u2028FAKE", "x\u2029FAKE",
           "x\x85FAKE", "x\x0bFAKE", "x\x0cFAKE", "x\x1cFAKE", "x\x1b[2KFAKE",
           "x\u202eFAKE", "x\x00FAKE"]


def record(msg: object, *args: object, exc: bool = False) -> logging.LogRecord:
    info = sys.exc_info() if exc else None
    return logging.LogRecord("slack_bolt.oauth", logging.WARNING, __file__, 1, msg,
                             args or None, info)


def lines(text: str) -> list[str]:
    return text.splitlines()  # every separator Python knows of, \x85 and \u2028 included


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_with_a_line_break_or_control_character_stays_on_one_line(value: str) -> None:
    formatter = SafeFormatter()
    as_arg = formatter.format(record("an install did not complete: %s", value))
    in_message = formatter.format(record(f"Failed with code: {value} - error"))  # Bolt's way
    for text in (as_arg, in_message):
        assert len(lines(text)) == 1, text
        assert text.isprintable(), text
        assert "FAKE" in text


def test_escapes_are_readable() -> None:
    assert safe("a\nb\r\tc\x1bd\u2028e") == "a\\nb\\r\\tc\\x1bd\\u2028e"


def test_long_values_are_clipped_saying_how_much_was_left_out() -> None:
    formatter = SafeFormatter()
    code = "C" * 20_000
    text = formatter.format(record("code %s refused", code))
    assert f"{'C' * MAX_VALUE}…({20_000 - MAX_VALUE} more) refused" in text
    whole = formatter.format(record(f"Failed to fetch oauth.v2.access result with code: {code}"))
    assert len(whole) < MAX_MESSAGE + 100 and "more)" in whole and "C" * (MAX_MESSAGE + 1) \
        not in whole


def test_numbers_mappings_and_odd_formats_still_format() -> None:
    formatter = SafeFormatter()
    assert formatter.format(record("%d rows, %.1f s", 3, 0.25)).endswith("3 rows, 0.2 s")
    assert formatter.format(record("%(who)s said %(n)d", {"who": "a\nb", "n": 2})) \
        .endswith("a\\nb said 2")
    assert "\n" not in formatter.format(record("%r %s", b"\n", b"\r"))
    assert formatter.format(record(ValueError("x\ny"))).endswith("x\\ny")  # not a str msg


def test_the_record_is_left_as_it_was_for_other_handlers() -> None:
    entry = record("value %s", "a\nb")
    SafeFormatter().format(entry)
    assert entry.getMessage() == "value a\nb"


def test_a_traceback_keeps_its_lines_each_prefixed_so_none_can_pass_for_a_record() -> None:
    try:
        raise ValueError("bad input\nFAKE LOG LINE\u2028FAKE AGAIN")
    except ValueError:
        entry = record("failed", exc=True)
    text = SafeFormatter().format(entry)
    first, *rest = lines(text)
    assert first.endswith("failed") and rest
    assert all(line.startswith(TRACEBACK_PREFIX) for line in rest), rest
    assert not any(line.startswith("FAKE") for line in lines(text))


def test_an_exception_no_thread_caught_is_logged_through_the_formatter(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)  # restored after
    out = io.StringIO()
    handler = safe_handler(logging.StreamHandler(out))
    logger = logging.getLogger("idealoop.threads")
    logger.addHandler(handler)
    try:
        log_thread_exceptions()

        def fail() -> None:
            raise ValueError("x\nFAKE LOG LINE")

        thread = threading.Thread(target=fail, name="worker-1")
        thread.start()
        thread.join()
    finally:
        logger.removeHandler(handler)
    first, *rest = lines(out.getvalue())
    assert first.endswith("uncaught exception in thread worker-1: ValueError")
    assert rest and all(line.startswith(TRACEBACK_PREFIX) for line in rest)
    assert f"{TRACEBACK_PREFIX}FAKE LOG LINE" in rest  # a line of the traceback, marked
