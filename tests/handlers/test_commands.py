"""`/brainstorm help`: the text a person reads."""

from __future__ import annotations

from handlers.commands import USAGE


def test_usage_mentions_help_and_brainstorm() -> None:
    assert "/brainstorm help" in USAGE
    assert "/brainstorm <topic>" in USAGE
