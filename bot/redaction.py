"""`IDEALOOP_REDACT=1`: e-mail addresses, phone numbers, payment card numbers and IBANs
are replaced with `[email]`, `[phone]`, `[card]` and `[iban]` in everything idealoop
sends to the LLM server. `redact_messages` is applied once, where a request leaves the
process (`bot.llm.openai_model`); what is stored and shown in Slack stays as typed.

Patterns and checksums, not understanding: what they catch is tested
(`tests/bot/test_redaction.py`), and so is what they leave alone (dates, times, Slack ids
and timestamps, version numbers, amounts, short numbers).

- E-mail: any local part RFC 5322 allows unquoted, letters of any script included, at a
  domain of any script (`josé@exämple.de`, `…@xn--exmple-cua.de`); Slack's
  `<mailto:…|…>` links are hidden whole, label included.
- Phone: Slack's `<tel:…|…>` links whole, a bare `tel:…`, any number written with its
  country code (`+44 20 7946 0958`, 9 to 15 digits however grouped), and national
  numbers that `phonenumbers` (Google's libphonenumber metadata, shipped in the package)
  finds valid in one of `REGIONS`, with any of the separators people use
  (`030/12345678`, `415.555.0134`, `(030) 1234-5678`), or in one of `GROUPED_REGIONS`
  when grouped as that country groups them. A national number of another country,
  written without its country code, is missed.
- Card: 13 to 19 digits, unbroken or in the groups cards are printed in, split by
  spaces, dashes or dots (one kind per number), that pass the Luhn check; an order
  number of 16 digits that fails it is left alone.
- IBAN: two letters, two check digits and 11 to 30 letters or digits, grouped by spaces
  or not, that pass the ISO 13616 mod-97 check. A string of that shape that fails the
  check is left alone: without the check the shape matches order numbers, SKUs and
  ticket ids, and the model would be handed holes in ordinary text; with it, a random
  string passes once in 97. The price: an IBAN with a typo in it reaches the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

# Where national numbers (no country code) are read as local ones: a number is hidden
# when it is valid in any of these countries. Their national numbers are distinctive (a
# trunk 0, or the North American plan's rules), so plain ids rarely pass as one.
REGIONS = ("US", "CA", "GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL", "IT", "SE", "FI",
           "AU", "NZ", "JP")
# Countries whose national numbers are 8 to 10 digits with no trunk 0, so that any id
# of that length may be valid: their numbers are hidden only when written grouped the
# way that country groups them ("98765 43210", "(11) 91234-5678", "612 34 56 78").
GROUPED_REGIONS = ("IN", "BR", "MX", "ES", "PT", "PL", "CZ", "DK", "NO", "SG")

# Slack's own markup of a link: <mailto:a@b.c|a@b.c>, <tel:+1…|+1 …>, hidden whole.
MAILTO = re.compile(r"<mailto:[^>@]*@[^>]*>", re.IGNORECASE)
TEL_LINK = re.compile(r"<tel:[^>\d]*\d[^>]*>", re.IGNORECASE)
TEL = re.compile(r"\btel:[+(]?\d[\d().%/-]*\d")  # as Slack writes it; "Tel:" is a word
# Letters, digits and combining marks of any script (Python's \w is Unicode-aware;
# combining accents, as macOS may send them, are not part of \w).
_W = r"\w\u0300-\u036f"
_LABEL = rf"[^\W_](?:[{_W}-]*[{_W}])?"
EMAIL = re.compile(
    rf"[{_W}.!#$%&'*+/=?^`{{|}}~-]+@(?:{_LABEL}\.)+(?:xn--[a-z0-9-]+|[^\W\d_]{{2,}})(?![{_W}-])",
    re.IGNORECASE)
# A candidate IBAN: country, check digits, then the account in groups of four or not.
IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w-])",
                  re.IGNORECASE)
# 13 to 19 digits written as cards are: unbroken, in groups of four (16 to 19 digits, or
# 13 to 15), or 4-6-5 / 4-6-4 (Amex, Diners), one separator throughout.
CARD = re.compile(r"(?<![\w.+-])(?:\d{13,19}"
                  r"|\d{4}(?P<a>[ .-])\d{4}(?P=a)\d{4}(?P=a)\d{4}(?:(?P=a)\d{1,3})?"
                  r"|\d{4}(?P<b>[ .-])\d{4}(?P=b)\d{4}(?P=b)\d{1,3}"
                  r"|\d{4}(?P<c>[ .-])\d{6}(?P=c)\d{4,5})"
                  r"(?!\w|[.,]\d|[ .-]\d)")
# A number with its country code: + (or 00), then digits in groups split by a space, dot,
# slash, dash or brackets.
INTERNATIONAL = re.compile(r"(?<![\w.+/:-])(?:\+|00|\(\+)\d[\d .()/-]{6,22}\d(?![\w/:]|\.\d)")
# Where a national number may be: digits and the separators numbers are written with,
# on one line. phonenumbers then says which part, if any, is a valid number.
CANDIDATE = re.compile(r"(?<![\w+#=/-])\(?\d[\d \u00a0./()-]{4,24}\d(?!\w)")
DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$"
                  r"|^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$")
# 1.234.567 or 123 456 789: an amount or a count, unless it starts with a trunk 0.
THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:([., \u00a0])\d{3})(?:\1\d{3})+$")
CURRENCY = "$€£¥₹"


def redact(text: str) -> str:
    """`text` with the e-mail addresses, IBANs, card numbers and phone numbers it holds
    replaced; everything else as it was. Redacting twice changes nothing more."""
    if "@" in text or ":" in text:
        text = TEL_LINK.sub("[phone]", MAILTO.sub("[email]", text))
        text = TEL.sub("[phone]", text)
    if "@" in text:
        text = EMAIL.sub("[email]", text)
    if not any(ch.isdigit() for ch in text):
        return text
    text = IBAN.sub(_iban, text)
    text = CARD.sub(_card, text)
    text = INTERNATIONAL.sub(_international, text)
    return CANDIDATE.sub(_national, text)


def redact_messages(messages: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """Chat messages with every `content` redacted: the one place a prompt is redacted.

    Applied to the request as it leaves for the server rather than to each piece as a
    prompt is assembled, so nothing that reaches a prompt can be missed: the topic, the
    thread, the mention, the channel's guidance, approved, rejected and earlier ideas, a
    person's text under feedback or polish, a DM to the agent, the seed of "More like
    this" and "Draft this", and whatever a later prompt adds. The fixed wording of the
    prompts holds nothing redaction changes (tested)."""
    return [{**message, "content": redact(message["content"])} for message in messages]


def _iban(match: re.Match[str]) -> str:
    """`[iban]` for the longest leading part of the match that passes mod 97 and is
    written in one case (a word of four letters after an IBAN may have been taken for one
    of its groups)."""
    found = match.group()
    groups = found.split(" ")
    for end in range(len(groups), 0, -1):
        candidate = "".join(groups[:end])
        if len(candidate) < 15:
            break
        if (candidate.isupper() or candidate.islower() or candidate.isdigit()) \
                and _mod97(candidate):
            rest = " ".join(groups[end:])
            return "[iban]" + (" " + rest if rest else "")
    return found


def _mod97(iban: str) -> bool:
    """ISO 13616: check digits from 02 to 98, and with the country and check digits
    moved to the end, letters as 10…35, the whole read as a number leaves 1 when divided
    by 97."""
    text = (iban[4:] + iban[:4]).upper()
    if not text.isascii() or not text.isalnum() or len(iban) > 34 \
            or not 2 <= int(iban[2:4]) <= 98:
        return False
    return int("".join(str(int(ch, 36)) for ch in text)) % 97 == 1


def _card(match: re.Match[str]) -> str:
    digits = [int(ch) for ch in match.group() if ch.isdigit()]
    return "[card]" if _luhn(digits) else match.group()


def _international(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(ch.isdigit() for ch in found)
    if found.startswith("00"):
        digits -= 2
    if not 9 <= digits <= 15 or DATE.match(found.strip()):
        return found
    return "[phone]"


def _national(match: re.Match[str]) -> str:
    """The run of digits and separators with its national numbers replaced, when valid
    numbers are all it holds: a run with digits left over (a longer id, a card that
    failed Luhn, years in a row) is not a phone number, and is left whole."""
    text, start, end = match.string, match.start(), match.end()
    found = match.group()
    if (text[end:end + 1] in ".," and text[end + 1:end + 2].isdigit()) \
            or (text[start - 1:start] in ".,:" and text[start - 2:start - 1].isdigit()):
        return found  # a decimal, a Slack timestamp (1700000000.000100), a time
    if text[max(0, start - 2):start].strip()[-1:] in tuple(CURRENCY):
        return found  # an amount
    run, hour = found, ""
    if text[end:end + 1] == ":" and text[end + 1:end + 2].isdigit():
        cut = max(run.rfind(" "), run.rfind("-"))  # the hour of a time is not part of it
        if cut <= 0:
            return found
        run, hour = found[:cut], found[cut:]
    if not 7 <= sum(ch.isdigit() for ch in run) <= 17 or DATE.match(run) \
            or THOUSANDS.match(run):
        return found
    readings = [(region, phonenumbers.Leniency.VALID) for region in REGIONS]
    if not run.isdigit():
        readings += [(region, phonenumbers.Leniency.STRICT_GROUPING)
                     for region in GROUPED_REGIONS]
    spans: set[tuple[int, int]] = set()
    for region, leniency in readings:
        for number in phonenumbers.PhoneNumberMatcher(run, region, leniency=leniency):
            if sum(ch.isdigit() for ch in number.raw_string) >= 7:
                spans.add((number.start, number.end))
    covered = {at for begin, finish in spans for at in range(begin, finish)}
    if not spans or any(ch.isdigit() and at not in covered for at, ch in enumerate(run)):
        return found
    kept: list[str] = []
    at = 0
    for begin, finish in sorted(spans, key=lambda span: (span[0], -span[1])):
        if begin < at:
            continue
        kept += [run[at:begin], "[phone]"]
        at = finish
    return "".join(kept) + run[at:] + hour


def _luhn(digits: list[int]) -> bool:
    total = 0
    for n, digit in enumerate(reversed(digits)):
        if n % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
