"""Slack message timestamps ("1700000000.000100") as exact integers, and back.

A `ts` names a message and orders events. Comparing them as strings is wrong ("1.5"
vs "1.000005") and as floats loses microseconds, so every ordering decision — which
reaction event is newer, which messages a page of history holds — goes through these.
Used by the signals (event order) and by the emulated Slack (its own message ids).
"""

from __future__ import annotations

import re

_TS = re.compile(r"(\d{1,12})(?:\.(\d+))?", re.ASCII)


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
