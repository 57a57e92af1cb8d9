"""A database error in the log says what failed, never the words in the statement: not
its bound parameters (`storage.db` hides them), not the row PostgreSQL quotes in its
DETAIL, not the value a data exception quotes (`bot.runtime.log_format.said`)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, insert, text

from bot.runtime.log_format import JsonFormatter, SafeFormatter
from storage.db import make_engine
from storage.models import Work

WORD = "zanzibarquokka"  # somebody's words, in a parameter of the failing statement


def _row(**values: object) -> dict[str, object]:
    return {"kind": "brainstorm", "delivery_key": "command:T1", "team": "T1",
            "channel": "C1", "user_id": "U1", "state": "pending",
            "request": json.dumps({"topic": f"a topic about {WORD}"}), **values}


def _missing_channel(engine: Engine) -> None:  # NOT NULL: "Failing row contains (...)"
    with engine.begin() as conn:
        conn.execute(insert(Work).values(_row(channel=None)))


def _delivered_twice(engine: Engine) -> None:  # unique: "Key (delivery_key)=(...)"
    with engine.begin() as conn:
        conn.execute(insert(Work).values(_row(delivery_key=WORD)))
        conn.execute(insert(Work).values(_row(delivery_key=WORD)))


def _not_a_number(engine: Engine) -> None:  # PostgreSQL: invalid input syntax: "..."
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite converts any text to a number")
    with engine.connect() as conn:
        conn.execute(text("SELECT CAST(:value AS INTEGER)"), {"value": WORD})


@pytest.mark.parametrize("fail", [_missing_channel, _delivered_twice, _not_a_number])
def test_a_failed_statement_leaves_no_word_of_its_values_in_either_log_format(
        db_url: str, fail: Callable[[Engine], None]) -> None:
    engine = make_engine(db_url)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("idealoop.test.database_errors")
    logger.addHandler(handler)
    try:
        with pytest.raises(Exception) as raised:
            fail(engine)
        # The engine hides the parameters from the error itself, whoever prints it.
        statement_and_parameters = str(raised.value).partition("[SQL: ")[2]
        assert statement_and_parameters and WORD not in statement_and_parameters
        for shape in (SafeFormatter(), JsonFormatter()):
            handler.setFormatter(shape)
            try:
                raise RuntimeError("the store failed") from raised.value
            except RuntimeError:
                logger.exception("storing a request failed")
            logger.error("a brainstorm failed", exc_info=raised.value)
    finally:
        logger.removeHandler(handler)
        engine.dispose()
    written = out.getvalue()
    assert WORD not in written
    assert type(raised.value).__name__ in written  # it still says what failed
    errors = [json.loads(line)["error"] for line in written.splitlines()
              if line.startswith("{")]
    assert errors and all(type(raised.value).__name__ in error or "RuntimeError" in error
                          for error in errors)
