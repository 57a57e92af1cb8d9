"""`IDEALOOP_REDACT=1`: e-mail addresses, phone numbers and payment card numbers are
replaced with `[email]`, `[phone]` and `[card]` in thread text before it goes to the LLM.

Patterns, not understanding: what they catch is tested (`tests/bot/test_redaction.py`),
and so is what they leave alone (dates, times, Slack ids and timestamps, version numbers,
short numbers). A card number must pass the Luhn check, so an order number of 16 digits
is left alone; a phone number needs 9 to 15 digits, so a 7-digit local number without
its area code is missed. Brainstorm topics are not redacted: they are shown in the
channel as typed.
"""

from __future__ import annotations

import re

# Slack's own markup of an address: <mailto:a@b.c|a@b.c>, hidden whole.
MAILTO = re.compile(r"<mailto:[^>]*>")
# Any local part RFC 5322 allows unquoted.
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# 13 to 19 digits written as cards are: unbroken, in groups of four, or 4-6-5 (Amex).
CARD = re.compile(r"(?<![\w.+-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?"
                  r"|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,3}|\d{4}[ -]\d{6}[ -]\d{4,5})"
                  r"(?![\w.]|[ -]\d)")
# An optional +, then digits in groups split by a space, dot, dash or brackets.
PHONE = re.compile(r"(?<![\w.+/:-])(?:\+|\(\+?)?\d[\d .()-]{6,22}\d(?![\w/:]|\.\d)")
DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


def redact(text: str) -> str:
    """`text` with the e-mail addresses, card numbers and phone numbers it holds
    replaced; everything else as it was."""
    if "@" in text:
        text = EMAIL.sub("[email]", MAILTO.sub("[email]", text))
    if not any(ch.isdigit() for ch in text):
        return text
    text = CARD.sub(_card, text)
    return PHONE.sub(_phone, text)


def _card(match: re.Match[str]) -> str:
    digits = [int(ch) for ch in match.group() if ch.isdigit()]
    return "[card]" if _luhn(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(ch.isdigit() for ch in found)
    if not 9 <= digits <= 15 or DATE.match(found.strip()):
        return found
    return "[phone]"


def _luhn(digits: list[int]) -> bool:
    total = 0
    for n, digit in enumerate(reversed(digits)):
        if n % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
