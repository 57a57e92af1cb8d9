"""Fitting a Slack thread into a prompt budget, offline.

Tokens are estimated, not counted: no tokenizer files are downloaded, and the model may
be any name on any server. The estimate (one token per 3 characters, at least 4/3 per
word) overestimates English and code for the common BPE tokenizers, so a prompt that
fits by the estimate fits for real.

A thread over budget keeps its root (the question, or the brainstorm) and its newest
messages verbatim, and condenses the middle: each middle message shrinks to its first
sentence, then evenly spaced ones are kept with a count of what was left out. Nothing
fails on length.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

AI_AUTHOR = "idealoop (AI)"  # how the bot's own messages are attributed in prompts
ROOT_SHARE = 0.25  # at most this much of the budget for the root message
MIDDLE_SHARE = 0.25  # the condensed middle gets about this much
FIRST_SENTENCE = re.compile(r"^(.{20,200}?[.!?])(\s|$)", re.DOTALL)


def estimate_tokens(text: str) -> int:
    """A safe overestimate of the tokens in `text` for unknown models."""
    if not text:
        return 0
    return max(math.ceil(len(text) / 3), math.ceil(len(text.split()) * 4 / 3))


@dataclass(frozen=True)
class ThreadMessage:
    author: str  # a display name, or "idealoop (AI)" for the bot's own messages
    text: str
    ts: str
    user: str | None = None  # the author's Slack id (None for the bot's own messages)


@dataclass(frozen=True)
class FittedThread:
    text: str
    tokens: int
    total_messages: int
    verbatim: int
    condensed: int
    omitted: int
    authors: tuple[str, ...] = ()  # the people whose messages it holds, first seen first
    # The Slack ids of everyone who wrote in the thread given (a superset of `authors`):
    # "forget me" finds the "drew on" lines that name a person by it.
    author_ids: tuple[str, ...] = ()


def _line(message: ThreadMessage, text: str | None = None) -> str:
    return f"[{message.author}] {' '.join((text or message.text).split())}"


def _clip(text: str, tokens: int) -> str:
    if estimate_tokens(text) <= tokens:
        return text
    return text[: max(0, tokens * 3 - 1)].rstrip() + "…"


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    match = FIRST_SENTENCE.match(flat)
    return match.group(1) if match else _clip(flat, 40)


def fit_thread(messages: Sequence[ThreadMessage], budget: int) -> FittedThread:
    """The thread as prompt text within `budget` estimated tokens."""
    if not messages:
        return FittedThread("", 0, 0, 0, 0, 0)
    ids = tuple(dict.fromkeys(m.user for m in messages if m.user))
    lines = [_line(m) for m in messages]
    whole = "\n".join(lines)
    if estimate_tokens(whole) <= budget:
        return FittedThread(whole, estimate_tokens(whole), len(messages), len(messages), 0, 0,
                            _authors(lines), ids)

    root = _clip(lines[0], int(budget * ROOT_SHARE))
    left = budget - estimate_tokens(root) - 20
    middle_budget = int(budget * MIDDLE_SHARE)
    newest: list[str] = []
    recent_budget = left - middle_budget
    for line in reversed(lines[1:]):
        cost = estimate_tokens(line) + 1
        if cost > recent_budget:
            if not newest:  # the newest message alone is huge: keep its beginning
                newest.append(_clip(line, recent_budget))
            break
        newest.append(line)
        recent_budget -= cost
    newest.reverse()
    middle = messages[1 : len(messages) - len(newest)]
    middle_budget += max(0, recent_budget)
    condensed = [_line(m, _first_sentence(m.text)) for m in middle]
    kept = _evenly_within(condensed, middle_budget)
    omitted = len(middle) - len(kept)
    parts = [root]
    if middle:
        note = f"[… {len(middle)} messages in the middle of the thread, condensed"
        note += f"; {omitted} left out …]" if omitted else " …]"
        parts += [note, *kept, "[… end of condensed part …]"]
    parts += newest
    text = "\n".join(parts)
    return FittedThread(text, estimate_tokens(text), len(messages), 1 + len(newest),
                        len(kept), omitted, _authors([root, *kept, *newest]), ids)


def _authors(lines: Sequence[str]) -> tuple[str, ...]:
    """The people whose lines these are (`[author] text`), first seen first, not the AI."""
    names = (line[1:line.find("] ")] for line in lines if line.startswith("[") and "] " in line)
    return tuple(dict.fromkeys(name for name in names if name != AI_AUTHOR))


def _evenly_within(lines: list[str], budget: int) -> list[str]:
    """As many lines as fit in `budget`, spread evenly over the list, in order."""
    total = sum(estimate_tokens(line) + 1 for line in lines)
    if total <= budget:
        return lines
    keep = max(0, int(len(lines) * budget / max(total, 1)))
    while keep > 0:
        step = len(lines) / keep
        chosen = [lines[int(i * step)] for i in range(keep)]
        if sum(estimate_tokens(line) + 1 for line in chosen) <= budget:
            return chosen
        keep -= max(1, keep // 10)
    return []
