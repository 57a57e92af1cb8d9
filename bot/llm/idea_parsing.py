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
    """

    def __init__(self, topic: str = "") -> None:
        self.buffer = ""
        self.taken = 0  # candidates looked at so far
        self.given = 0  # ideas handed out
        self.seen = SameIdeas(topic=topic)

    def feed(self, piece: str) -> list[str]:
        self.buffer += piece
        return self._new(self._candidates())

    def finish(self) -> list[str]:
        """The ideas left once the answer is complete; LLMBadOutput if it held none."""
        text = self.buffer.strip()
        candidates = _from_json(text)
        if candidates is None:
            candidates = _from_lines(text)
        ideas = self._new(candidates)
        if not self.given:
            raise LLMBadOutput(f"no ideas in LLM output: {text[:200]!r}")
        return ideas

    def _candidates(self) -> list[str]:
        """The ideas whole so far: closed JSON strings, or finished list lines."""
        text = self.buffer.lstrip()
        if text.startswith(("{", "[", "```")):
            return _json_strings(text)
        lines = text.split("\n")
        return [_unbold(line) for line in lines[:-1] if _LIST_MARKER.match(_unbold(line))]

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


def _json_strings(text: str) -> list[str]:
    """The complete string items of the first JSON list in `text` so far."""
    start = text.find("[")
    found: list[str] = []
    if start < 0:
        return found
    position = start + 1
    decoder = json.JSONDecoder()
    while True:
        rest = text[position:].lstrip(" \t\r\n,")
        if not rest.startswith('"'):
            return found  # the list ended, or holds objects: `finish` reads those
        quote = len(text) - len(rest)
        try:
            value, end = decoder.raw_decode(text, quote)
        except ValueError:
            return found  # the string is not closed yet
        after = text[end:].lstrip()
        if after[:1] not in ("", ",", "]"):
            return found
        found.append(value)
        position = end
