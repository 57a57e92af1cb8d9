"""The values Slack names things with: ids (`U0ALICE`, `C0GENERAL`) and message
timestamps ("1700000000.000100"), checked and compared exactly.

An id or a ts that comes in a request is checked before it is stored or used (an event
Slack would never send is refused, not half-handled). A `ts` names a message and orders
events: comparing them as strings is wrong ("1.5" vs "1.000005") and as floats loses
microseconds, so every ordering decision — which reaction event is newer, which messages
a page of history holds — goes through `ts_to_us`. Used by the signals, the listeners and
the emulated Slack (its own message ids).
"""

from __future__ import annotations

import re

_TS = re.compile(r"(\d{1,12})(?:\.(\d+))?", re.ASCII)
_ID = re.compile(r"[A-Z0-9]{1,32}", re.ASCII)


def is_slack_id(value: object) -> bool:
    """True for an id of the shape Slack gives users, channels, teams (upper-case letters
    and digits, at most 32 of them)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def is_ts(value: object) -> bool:
    """True for a message timestamp `ts_to_us` can read."""
    return isinstance(value, str) and _TS.fullmatch(value.strip()) is not None


def ts_to_us(ts: str) -> int:
    """`"1700000000.000100"` → 1700000000000100 microseconds; ValueError if not a ts.

    Digits past the sixth decimal (a client's `str(time.time())`) are dropped, as Slack
    keeps microseconds only."""
    match = _TS.fullmatch(ts.strip()) if isinstance(ts, str) else None
    if match is None:
        raise ValueError(f"not a Slack timestamp: {ts!r}")
    seconds, fraction = match[1], match[2] or ""
    return int(seconds) * 1_000_000 + int(fraction[:6].ljust(6, "0"))


def us_to_ts(us: int) -> str:
    """Microseconds as Slack's `seconds.micro` ts string (always 6 decimals)."""
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"
