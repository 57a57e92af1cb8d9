"""Offline polish and feedback on 20 sample paragraphs (tests/data/sample_paragraphs.jsonl).

The checks are independent of the rules they check:

- Polish: each kind of edit the change list can name has its own detector here (a regex
  written for the test, not the one polish uses). A listed change must be true of the
  before/after texts (the before had it, the after has fewer or none); a kind of edit not
  listed must not have happened (its count is the same before and after). When nothing is
  listed, the text comes back as it was.
- Feedback: each sample is annotated by hand with whether it names a date or deadline,
  an owner, and whether it asks readers for something. Every claim feedback makes on those
  must agree with the annotation; figures it quotes (word counts, where a mention, a code
  span or a link is one word) and words it names
  (hedges, vague words, the sentence to split) must be found in the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.llm.offline import review

SAMPLES = [json.loads(line) for line in
           (Path(__file__).parents[3] / "data" / "sample_paragraphs.jsonl")
           .read_text(encoding="utf-8").splitlines() if line.strip()]
IDS = [f"{n:02d}-{' '.join(s['text'].split()[:4])}" for n, s in enumerate(SAMPLES, 1)]


def _polished(text: str) -> tuple[str, list[str]]:
    """The edited text and the listed changes (lower-case, without bullets)."""
    answer = review.polish(text)
    edited, _, rest = answer.partition("\n\n*What changed*\n")
    listed = [line.removeprefix("• ").lower() for line in rest.split("\n\n")[0].splitlines()]
    return edited, [] if listed[0].startswith("nothing") else listed


def _count(pattern: str, flags: int = 0) -> Callable[[str], int]:
    return lambda text: len(re.findall(pattern, text, flags))


def _word(word: str) -> Callable[[str], int]:
    return _count(rf"\b{re.escape(word)}\b", re.IGNORECASE)


_DAYS_MONTHS = ("monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|"
                "april|june|july|august|september|october|november|december")
# (what the change list says, starts with) -> what it is about, counted in a text
DETECTORS: dict[str, Callable[[str], int]] = {
    "removed {n} space": _count(r" +[,.;:!?](?=\s|$)", re.MULTILINE),
    "removed {n} doubled punctuation": _count(r"([,;:]) *\1|, *[.!?]"),
    "removed {n} doubled word": _count(r"\b(\w+)\s+\1\b", re.IGNORECASE),
    "“i” → “i”": _count(r"(?<=\s)i(?=[\s',.!?])"),
    "capitals on names of days and months": _count(rf"\b(?:{_DAYS_MONTHS})\b"),
    "capitals at the start of sentences": _count(
        rf"(?:^|(?<!e\.g)(?<!i\.e)[.!?] +)(?!(?:i|{_DAYS_MONTHS})\b)[a-z]", re.MULTILINE),
    "extra spaces and blank lines removed": _count(r"[^\S\n]{2,}|[^\S\n]+$|\n{3,}",
                                                   re.MULTILINE),
    "a full stop at the end": lambda text: int(not re.search(r"[.!?:;]\s*$", text)),
    **{f"removed {{n}} filler word ({filler})": _word(filler) for filler in review.FILLERS},
    **{f"“{wordy}” → “{plain}”": _word(wordy) for wordy, plain in review.WORDY},
}


def _matches(key: str, change: str) -> bool:
    if key.startswith("removed {n} filler word"):
        filler = key[key.index("(") + 1:-1]
        return change.startswith("removed") and "filler" in change and \
            filler in change[change.index("("):]
    prefix = key.split("{n}")
    return change.startswith(prefix[0]) and (len(prefix) == 1 or prefix[1] in change)


def test_there_are_twenty_samples() -> None:
    assert len(SAMPLES) == 20
    assert all(isinstance(s[k], bool) for s in SAMPLES for k in ("dated", "owned", "asks"))


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_polish_says_what_it_did_and_only_that(sample: dict[str, object]) -> None:
    before = str(sample["text"]).strip()
    after, listed = _polished(before)
    for change in listed:  # each listed change names a kind of edit this test can check
        assert any(_matches(key, change) for key in DETECTORS), change
    for key, count in DETECTORS.items():
        said = [change for change in listed if _matches(key, change)]
        if said:
            assert count(before) > 0, f"says {said[0]!r}, but the text had none"
            assert count(after) < count(before), f"says {said[0]!r}, but it is still there"
            numbers = re.findall(r"removed (\d+)", said[0])
            if numbers and "filler" not in said[0]:
                assert count(before) - count(after) == int(numbers[0]), said[0]
        else:
            assert count(before) == count(after), f"changed, but not listed: {key!r}"
    if not listed:
        assert after == before


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_polish_leaves_no_slip_it_knows(sample: dict[str, object]) -> None:
    """What the issue saw left behind ("one working day , and", ", ,") is gone."""
    after, _ = _polished(str(sample["text"]))
    assert not re.search(r" [,.;:!?](?:\s|$)| {2}|, *,", after), after


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_feedback_does_not_contradict_the_text(sample: dict[str, object]) -> None:
    text = str(sample["text"])
    said = review.feedback(text)
    claims = {
        "It names a date or a time": sample["dated"],
        "No date or deadline": not sample["dated"],
        "It asks readers for something": sample["asks"],
        "What should readers do once they have read it?": not sample["asks"],
        "whether the ask is clear": sample["asks"],
    }
    for claim, true in claims.items():
        if claim in said:
            assert true, f"says {claim!r} of a text annotated otherwise"
    if "Who owns the next step?" in said:
        assert not sample["owned"], "asks who owns it, but the text names an owner"
    assert ("It names a date or a time" in said) == sample["dated"]
    assert ("No date or deadline" in said) == (not sample["dated"])
    # words as a reader counts them: a mention, a code span or a link is one
    words = len(re.findall(r"<[^>]+>|`[^`]+`|https?://\S+|[A-Za-z0-9']+", text))
    for figure in re.findall(r"It is short \((\d+) words\)|At (\d+) words", said):
        assert int("".join(figure)) == words
    for named in re.findall(r"(?:Hedges|Vague words) \(([^)]+)\)", said):
        for word in named.split(", "):
            assert word in text.lower(), f"names {word!r}, not in the text"
    for quoted in re.findall(r"(?:Take out|Replace|starts) “([^”…]+)", said):
        assert " ".join(quoted.split()).lower() in " ".join(text.split()).lower()
    if "Its points are a list" in said:
        assert len(re.findall(r"^\s*(?:[-*•]|\d+[.)]) ", text, re.MULTILINE)) >= 2
    if "It gives figures" in said:
        assert re.search(r"\d", text)
