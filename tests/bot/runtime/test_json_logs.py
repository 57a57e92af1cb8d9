"""`IDEALOOP_LOG_FORMAT=json`: one JSON object per line, as safe as the text format, with
the workspace, channel and work id a line is about where they are known."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from typing import Any

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.log_context import log_fields, log_scope
from bot.runtime.log_format import (
    MAX_EXCEPTION,
    MAX_MESSAGE,
    MAX_VALUE,
    JsonFormatter,
    SafeFormatter,
    formatter,
    safe_handler,
    use_log_format,
)
from bot.work.jobs import Jobs, TrackedExecutor
from tests.bot.runtime.test_log_format import HOSTILE


def record(msg: object, *args: object, exc: bool = False,
           extra: dict[str, Any] | None = None) -> logging.LogRecord:
    entry = logging.LogRecord("slack_bolt.oauth", logging.WARNING, __file__, 1, msg,
                              args or None, sys.exc_info() if exc else None)
    entry.__dict__.update(extra or {})
    return entry


def one_object(text: str) -> dict[str, Any]:
    """`text` is one line (by every separator Python knows) holding one JSON object."""
    assert len(text.splitlines()) == 1, text
    assert text.isprintable(), text
    parsed = json.loads(text)
    assert isinstance(parsed, dict)
    return parsed


def test_a_record_is_one_object_with_time_level_logger_and_message() -> None:
    entry = one_object(JsonFormatter().format(record("%d rows in %.1f s", 3, 0.25)))
    assert entry["level"] == "WARNING" and entry["logger"] == "slack_bolt.oauth"
    assert entry["message"] == "3 rows in 0.2 s"
    assert entry["time"].endswith("+00:00") and "T" in entry["time"]
    assert not {"team", "channel", "work_id", "error", "exception"} & entry.keys()


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_is_escaped_as_in_the_text_format(value: str) -> None:
    for entry in (record("an install did not complete: %s", value),
                  record(f"Failed with code: {value} - error")):
        parsed = one_object(JsonFormatter().format(entry))
        assert parsed["message"] == SafeFormatter.message(entry)
        assert "FAKE" in parsed["message"] and parsed["message"].isprintable()


def test_long_values_and_messages_are_clipped() -> None:
    code = "C" * 20_000
    parsed = one_object(JsonFormatter().format(record("code %s refused", code)))
    assert parsed["message"] == f"code {'C' * MAX_VALUE}…({20_000 - MAX_VALUE} more) refused"
    whole = one_object(JsonFormatter().format(record(f"code: {code}")))["message"]
    assert len(whole) < MAX_MESSAGE + 20 and whole.endswith("more)")


def test_nothing_beyond_the_message_is_written() -> None:
    """Values a record carries besides its message (a request body, a token passed as
    `extra`) have no field: only what the message itself shows reaches the log."""
    entry = record("request failed", extra={"body": "token=xoxb-SECRET", "team": "T0FORGED"})
    text = JsonFormatter().format(entry)
    assert "SECRET" not in text and "T0FORGED" not in text
    assert set(json.loads(text)) == {"time", "level", "logger", "message"}


def test_an_exception_is_its_own_clipped_field_with_its_lines_escaped() -> None:
    try:
        raise ValueError("bad input\nFAKE LOG LINE\u2028FAKE AGAIN")
    except ValueError:
        entry = record("failed", exc=True)
    parsed = one_object(JsonFormatter().format(entry))
    assert parsed["message"] == "failed"
    assert parsed["error"] == "ValueError: bad input\\nFAKE LOG LINE\\u2028FAKE AGAIN"
    trace = parsed["exception"].split("\n")
    assert trace[0] == "Traceback (most recent call last):"
    # The traceback's own lines stay lines of the field; inside one, all is escaped.
    assert trace[-2:] == ["ValueError: bad input", "FAKE LOG LINE\\u2028FAKE AGAIN"]
    assert all(line.isprintable() for line in trace)


def test_a_deep_traceback_is_clipped_and_the_error_still_says_what_it_was() -> None:
    def deeper(n: int) -> None:
        if n == 0:
            raise RuntimeError("x" * 5_000)
        deeper(n - 1)

    try:
        deeper(200)
    except RuntimeError:
        entry = record("failed", exc=True)
    parsed = one_object(JsonFormatter().format(entry))
    assert len(parsed["exception"]) < MAX_EXCEPTION + 20
    assert parsed["exception"].endswith("more)")
    assert parsed["error"].startswith("RuntimeError: xxx") and len(parsed["error"]) < 600


def test_the_fields_of_the_scope_are_written_and_gone_after_it() -> None:
    fmt = JsonFormatter()
    with log_scope(team="T0BLUE", channel="C0GENERAL"):
        outer = one_object(fmt.format(record("outer")))
        with log_scope(work_id=42, channel="C0OTHER"):
            inner = one_object(fmt.format(record("inner")))
        after = one_object(fmt.format(record("after")))
    outside = one_object(fmt.format(record("outside")))
    assert (outer["team"], outer["channel"]) == ("T0BLUE", "C0GENERAL")
    assert "work_id" not in outer
    assert (inner["team"], inner["channel"], inner["work_id"]) == ("T0BLUE", "C0OTHER", 42)
    assert after["channel"] == "C0GENERAL" and "work_id" not in after
    assert not {"team", "channel", "work_id"} & outside.keys()


def test_empty_values_leave_a_field_out() -> None:
    with log_scope(team="", channel=None):
        assert log_fields() == {}


def test_a_team_id_a_request_chose_is_escaped_and_clipped() -> None:
    forged = "T0\nFAKE" + "T" * 1_000
    with log_scope(team=forged):
        parsed = one_object(JsonFormatter().format(record("hello")))
    assert parsed["team"].startswith("T0\\nFAKE") and parsed["team"].endswith("more)")
    assert len(parsed["team"]) < MAX_VALUE + 20


def test_the_pools_run_work_in_the_scope_of_who_handed_it_over() -> None:
    listeners = TrackedExecutor(max_workers=2)
    jobs = Jobs(2)
    seen: list[dict[str, str | int]] = []
    done = threading.Event()
    try:
        with log_scope(team="T0BLUE", channel="C0GENERAL"):
            from_listener = listeners.submit(log_fields).result(timeout=5)
            jobs.submit(lambda: (seen.append(log_fields()), done.set()))
        assert done.wait(5)
        # A pool thread carries nothing over to work handed over outside any scope.
        assert listeners.submit(log_fields).result(timeout=5) == {}
    finally:
        listeners.shutdown()
        jobs.shutdown()
    assert from_listener == seen[0] == {"team": "T0BLUE", "channel": "C0GENERAL"}


def test_the_log_format_is_a_setting() -> None:
    assert Settings.from_env({}, dotenv_path=None).log_format == "text"
    assert Settings.from_env({"IDEALOOP_LOG_FORMAT": " JSON "}).log_format == "json"
    with pytest.raises(ConfigError, match="IDEALOOP_LOG_FORMAT must be one of text, json"):
        Settings.from_env({"IDEALOOP_LOG_FORMAT": "xml"})
    assert isinstance(formatter("json"), JsonFormatter)
    assert type(formatter("text")) is SafeFormatter
    with pytest.raises(ValueError):
        formatter("xml")


def test_use_log_format_changes_the_handlers_already_set_up() -> None:
    out = io.StringIO()
    logger = logging.getLogger("idealoop.test_json_logs")
    logger.propagate = False  # pytest's own handlers stay as they are
    logger.addHandler(safe_handler(logging.StreamHandler(out)))
    try:
        use_log_format("json", logger)
        with log_scope(team="T0BLUE"):
            logger.warning("now in %s", "json")
        use_log_format("text", logger)
        logger.warning("text again")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    first, second = out.getvalue().splitlines()
    assert json.loads(first)["message"] == "now in json"
    assert json.loads(first)["team"] == "T0BLUE"
    assert second.endswith("WARNING idealoop.test_json_logs: text again")


@pytest.mark.parametrize("mode", ["http", "socket_mode"])
def test_bolt_handles_each_request_in_the_scope_of_its_workspace_and_channel(mode: str) -> None:
    from slack_bolt import BoltRequest
    from slack_bolt.authorization import AuthorizeResult

    from bot.app import ScopedApp

    def authorize(team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id=team_id, bot_token="xoxb-test",
                               bot_user_id="U0BOT", bot_id="B0BOT")

    app = ScopedApp(signing_secret="unused", authorize=authorize,
                    request_verification_enabled=False, process_before_response=True)
    seen: list[dict[str, str | int]] = []
    app.event("reaction_added")(lambda ack: (seen.append(log_fields()), ack()))
    body = {"type": "event_callback", "team_id": "T0BLUE", "event_id": "Ev1",
            "event": {"type": "reaction_added", "user": "U0ALICE", "reaction": "+1",
                      "item": {"type": "message", "channel": "C0GENERAL", "ts": "1.2"},
                      "event_ts": "1.3"}}
    response = app.dispatch(BoltRequest(body=body if mode == "socket_mode" else json.dumps(body),
                                        mode=mode))
    assert response.status == 200
    assert seen == [{"team": "T0BLUE", "channel": "C0GENERAL"}]
    assert log_fields() == {}
