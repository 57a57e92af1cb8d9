"""An LLM's answer turned into a list of ideas, whatever shape the answer took.

Many OpenAI-compatible servers (Ollama, llama.cpp, older vLLM) ignore JSON schemas,
so a schema answer is tried first, then any JSON list inside the text, then a
numbered or bulleted list, then one idea per non-empty line.
"""

from __future__ import annotations

import json
import re

from bot.errors import LLMBadOutput
from bot.llm.similarity import SameIdeas, dedupe, normalise

# An idea is kept whole up to this length (a bound on runaway output, not a style rule):
# Slack shows a long one split across sections (handlers.slack.blocks.idea), and prompts
# quote past ideas clipped (bot.llm.prompts.EXAMPLE_CHARS).
MAX_IDEA_CHARS = 8000
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)\]:]|[-*•·]|\(\d{1,2}\))\s+")
_CODE_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$", re.MULTILINE)
_PREAMBLE = re.compile(r"^(here (are|is)|sure|certainly|of course|ideas?:)", re.IGNORECASE)


def parse_ideas(content: str | None, *, topic: str = "") -> list[str]:
    """Ideas in `content`, cleaned and de-duplicated (the topic's own words do not make
    two ideas the same); LLMBadOutput if there are none."""
    text = (content or "").strip()
    ideas = _from_json(text)
    if ideas is None:
        ideas = _from_lines(text)
    cleaned = dedupe((clean_idea(idea) for idea in ideas), topic=topic)
    if not cleaned:
        raise LLMBadOutput(f"no ideas in LLM output: {text[:200]!r}")
    return cleaned


def _from_json(text: str) -> list[str] | None:
    """Ideas from a JSON answer; [] for JSON without a list of ideas; None if not JSON.

    A JSON object or list embedded in prose is only looked for when the text is not a
    marked list, so `1. Buttons ["Yes", "No"]` stays a list of ideas.
    """
    candidates = [_CODE_FENCE.sub("", text).strip()]
    marked = sum(1 for line in text.splitlines() if _LIST_MARKER.match(_unbold(line)))
    if marked < 2:
        for opener, closer in (("{", "}"), ("[", "]")):
            start, end = text.find(opener), text.rfind(closer)
            if 0 <= start < end:
                candidates.append(text[start : end + 1])
    for index, candidate in enumerate(candidates):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            data = data.get("ideas", next(iter(data.values()), None) if data else None)
        if isinstance(data, list):
            return [_idea_text(entry) for entry in data]
        if index == 0:  # the whole answer is JSON, and holds no ideas
            return []
    return None


def _idea_text(entry: object) -> str:
    if entry is None:
        return ""
    if isinstance(entry, dict):
        keys = ("title", "idea", "text", "description")
        parts = [str(entry[key]) for key in keys if key in entry]
        return ": ".join(parts)
    return str(entry)


def _from_lines(text: str) -> list[str]:
    lines = [_unbold(line) for line in text.splitlines()
             if line.strip() and not line.strip().startswith("```")]
    listed = [line for line in lines if _LIST_MARKER.match(line)]
    if listed:
        return listed
    return [line for line in lines if not _PREAMBLE.match(line.strip())]


def clean_idea(raw: str) -> str:
    """One idea as a single tidy line: no list marker, no markdown bold, bounded length."""
    text = _LIST_MARKER.sub("", _unbold(raw).strip(), count=1)
    text = " ".join(text.split())
    if len(text) > MAX_IDEA_CHARS:
        text = text[: MAX_IDEA_CHARS - 1].rstrip() + "…"
    return text


def _unbold(text: str) -> str:
    return text.replace("**", "").replace("__", "")


class StreamedIdeas:
    """Ideas taken from an answer while it streams, each as soon as it is whole.

    A JSON answer gives an idea when its string closes; a numbered or bulleted list, when
    its line ends. Plain lines without list markers are only known to be ideas once the
    answer is complete, so they come at the end (`finish`), as `parse_ideas` reads them.
    Repeats within the answer are dropped as they arrive.

    Each piece is read once: the text already taken apart is not looked at again (reading
    the whole answer again for every piece took seconds for an answer of 300,000
    characters in 5,000 pieces, and grew with the square of its length).
    """

    def __init__(self, topic: str = "") -> None:
        self.pieces: list[str] = []  # the whole answer so far, for `finish`
        self.taken = 0  # candidates looked at so far
        self.given = 0  # ideas handed out
        self.seen = SameIdeas(topic=topic)
        self._start = ""  # the answer until its shape is known: whitespace, "`" or "``"
        self._reader: _JsonStrings | _ListLines | None = None

    def feed(self, piece: str) -> list[str]:
        self.pieces.append(piece)
        if self._reader is None:
            self._start += piece
            text = self._start.lstrip()
            if text.startswith(("{", "[", "```")):
                self._reader = _JsonStrings()
            elif text and not "```".startswith(text):
                self._reader = _ListLines()
            else:
                return []
            piece, self._start = text, ""
        return self._new(self._reader.feed(piece))

    def finish(self) -> list[str]:
        """The ideas left once the answer is complete; LLMBadOutput if it held none."""
        text = "".join(self.pieces).strip()
        candidates = _from_json(text)
        if candidates is None:
            candidates = _from_lines(text)
        ideas = self._new(candidates)
        if not self.given:
            raise LLMBadOutput(f"no ideas in LLM output: {text[:200]!r}")
        return ideas

    def _new(self, candidates: list[str]) -> list[str]:
        fresh: list[str] = []
        for raw in candidates[self.taken:]:
            idea = clean_idea(raw)
            if normalise(idea) and not self.seen.matches(idea):
                self.seen.add(idea)
                fresh.append(idea)
        self.taken = max(self.taken, len(candidates))
        self.given += len(fresh)
        return fresh


class _ListLines:
    """The finished lines of a growing answer that carry a list marker, unbolded."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._line = ""  # the line still being written

    def feed(self, piece: str) -> list[str]:
        *finished, self._line = (self._line + piece).split("\n")
        self.found += [line for line in map(_unbold, finished) if _LIST_MARKER.match(line)]
        return self.found


_DECODER = json.JSONDecoder()
_SEPARATORS = re.compile(r"[ \t\r\n,]*")
_SPACE = re.compile(r"\s*")


def _skip(chars: re.Pattern[str], text: str, position: int) -> int:
    """Where `text` goes on after the run of `chars` at `position`."""
    run = chars.match(text, position)
    return run.end() if run else position


class _JsonStrings:
    """The complete string items of the first JSON list in a growing answer. A string is
    taken once it closes and what follows it (if anything yet) is "," or "]"; the list is
    over at the first item that is not a string (`finish` reads lists of objects)."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._text = ""  # the answer from the first place the next item may start
        self._in_list = False
        self._check_after = False  # the last string taken ended the text so far
        self._over = False

    def feed(self, piece: str) -> list[str]:
        if self._over:
            return self.found
        text = self._text + piece
        if not self._in_list:
            start = text.find("[")
            if start < 0:  # nothing before a "[" is needed
                self._text = ""
                return self.found
            text, self._in_list = text[start + 1:], True
        position = 0
        while True:
            if self._check_after:
                after = _skip(_SPACE, text, position)
                if after == len(text):
                    break
                if text[after] not in ",]":
                    self._over = True
                    break
                self._check_after = False
            at = _skip(_SEPARATORS, text, position)
            if at == len(text):
                break
            if text[at] != '"':
                self._over = True
                break
            try:
                value, end = _DECODER.raw_decode(text, at)
            except ValueError:
                break  # the string is not closed yet
            after = _skip(_SPACE, text, end)
            if after < len(text) and text[after] not in ",]":
                self._over = True
                break
            self.found.append(value)
            position, self._check_after = end, after == len(text)
        self._text = "" if self._over else text[position:]
        return self.found
