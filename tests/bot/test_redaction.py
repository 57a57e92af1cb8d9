"""Redaction of thread text before it reaches the LLM (`IDEALOOP_REDACT=1`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.redaction import redact


@pytest.mark.parametrize(("text", "expected"), [
    ("mail alice.smith+ideas@example.co.uk today", "mail [email] today"),
    ("write to <mailto:bob@corp.io|bob@corp.io>!", "write to [email]!"),
    ("call +44 20 7946 0958 or (030) 1234-5678", "call [phone] or [phone]"),
    ("my number is 415.555.0134.", "my number is [phone]."),
    ("card 4111 1111 1111 1111 exp 12/29", "card [card] exp 12/29"),
    ("card 5500-0000-0000-0004", "card [card]"),
])
def test_what_is_hidden(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "standups move to 10:15 on 2026-11-30",
    "due 30.11.2026, v2.14.1, ticket #48213, 3 of 5",
    "order 1234 5678 9012 3456",  # 16 digits that fail the Luhn check
    "thread 1700000000.000100 by <@U0ALICE> in <#C0GENERAL>",
    "a 7-digit 555-0134 local number",
    "budget 12,500,000 for Q3",
])
def test_what_is_left_alone(text: str) -> None:
    assert redact(text) == text


@given(st.text(alphabet=st.characters(blacklist_characters="@0123456789"), max_size=200))
def test_text_without_digits_or_at_signs_is_untouched(text: str) -> None:
    assert redact(text) == text


@given(st.emails(), st.text(max_size=40), st.text(max_size=40))
def test_no_email_survives_whatever_surrounds_it(email: str, before: str, after: str) -> None:
    hidden = redact(f"{before} {email} {after}")
    assert email not in hidden
    assert redact(hidden) == hidden  # redacting twice changes nothing more


def _with_check_digit(digits: list[int]) -> str:
    total = 0
    for n, digit in enumerate(reversed(digits)):
        if n % 2 == 0:  # doubled once the check digit is appended
            digit = digit * 2 - 9 if digit * 2 > 9 else digit * 2
        total += digit
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


@given(st.lists(st.integers(0, 9), min_size=15, max_size=15), st.sampled_from(["", " ", "-"]),
       st.text(alphabet="abc ,.!?", max_size=20))
def test_every_card_number_is_hidden_however_it_is_grouped(
        digits: list[int], separator: str, around: str) -> None:
    number = _with_check_digit(digits)
    grouped = separator.join(number[i:i + 4] for i in range(0, 16, 4))
    assert redact(f"{around} {grouped} {around}") == f"{around} [card] {around}"


@given(st.integers(1, 99), st.lists(st.integers(100, 9999), min_size=3, max_size=4))
def test_international_phone_numbers_are_hidden(country: int, groups: list[int]) -> None:
    number = f"+{country} " + " ".join(map(str, groups))
    if 9 <= sum(ch.isdigit() for ch in number) <= 15:
        assert redact(f"ring me on {number} please") == "ring me on [phone] please"
