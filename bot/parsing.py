"""Read ideas out of whatever an LLM answered.

Many OpenAI-compatible servers (Ollama, llama.cpp, older vLLM) ignore JSON schemas,
so a schema answer is tried first, then any JSON list inside the text, then a
numbered or bulleted list, then one idea per non-empty line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from bot.errors import LLMBadOutput

MAX_IDEA_CHARS = 600
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)\]:]|[-*•·]|\(\d{1,2}\))\s+")
_CODE_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$", re.MULTILINE)
_PREAMBLE = re.compile(r"^(here (are|is)|sure|certainly|of course|ideas?:)", re.IGNORECASE)


def parse_ideas(content: str | None) -> list[str]:
    """Ideas in `content`, cleaned and de-duplicated; LLMBadOutput if there are none."""
    text = (content or "").strip()
    ideas = _from_json(text)
    if ideas is None:
        ideas = _from_lines(text)
    cleaned = dedupe(clean_idea(idea) for idea in ideas)
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


def normalise(text: str) -> str:
    """Lower-case words only, for comparing ideas regardless of punctuation."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def similar(a: str, b: str, threshold: float = 0.8) -> bool:
    na, nb = normalise(a), normalise(b)
    return na == nb or SequenceMatcher(None, na, nb).ratio() >= threshold


def dedupe(ideas: Iterable[str]) -> list[str]:
    """Drop empties, markup-only lines and near-duplicates, keeping the first of each."""
    kept: list[str] = []
    for idea in ideas:
        if normalise(idea) and not any(similar(idea, seen) for seen in kept):
            kept.append(idea)
    return kept


def without_rejected(ideas: list[str], rejected: list[str]) -> list[str]:
    """Ideas that are not the same as, or a close variant of, a rejected one."""
    return [idea for idea in ideas if not any(similar(idea, no) for no in rejected)]
