"""Offline drafts in the shape the instruction asks for: templates, and said to be.

Why templates: with no model, idealoop cannot write prose worth reading, but it can
give each kind of text the bones a reader expects -- an announcement says what changes,
from when and what to do; a plan has numbered steps with an owner and a date each; a
list is a list; a reply answers the last message; a summary says who said what and what
is open. What the thread gives (people's lines, a date) fills the bones; what it cannot
know is a visible ``[placeholder]`` for the person to fill, never an invented fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.llm.offline.review import DATES

ANNOUNCEMENT, PLAN, LIST, REPLY, SUMMARY, NOTE = (
    "announcement", "plan", "list", "reply", "summary", "note")
# The word that comes first wins: "a plan to announce" is a plan, "announce the trial"
# an announcement.
_KINDS = (
    (REPLY, r"\b(?:reply|respond|response|answer|write back)\b"),
    (PLAN, r"\b(?:plan|roadmap|rollout|steps|timeline|schedule|proposal|trial)\b"),
    (LIST, r"\b(?:list|checklist|bullets?|options|ideas|agenda|faq)\b"),
    (ANNOUNCEMENT, r"\b(?:announce(?:ment)?|heads[- ]up|let (?:everyone|the team) know|"
                   r"tell (?:everyone|the team)|newsletter|update for)\b"),
    (SUMMARY, r"\b(?:summar\w*|recap|tl;?dr|digest|sum up|what was said|notes)\b"),
)
_SIZES = r"short|brief|quick|one-page|simple|clear|friendly|polite"
_KIND_WORDS = (r"announcement|plan|list|checklist|reply|response|answer|summary|recap|"
               r"agenda|proposal|update|note|faq")
# "Draft a short announcement of", "announce", "please write up a plan for": the words
# before the subject. An article stays when the subject starts there ("the trial").
_LEAD = re.compile(
    r"^(?:please\s+)?(?:(?:can|could) you\s+)?(?:(?:draft|write(?:\s+up)?|make|create|"
    r"give me|prepare|put together|turn this into|announce|summari[sz]e|list|reply|"
    r"respond|answer)\b\s*)?(?:me\s+)?"
    rf"(?:(?:an?|the|our)\s+(?=(?:{_SIZES}|{_KIND_WORDS})\b))?(?:(?:{_SIZES})\s+)*"
    rf"(?:(?:{_KIND_WORDS})\b\s*)?(?:(?:of|for|about|to|on|with|that)\b\s*)?",
    re.IGNORECASE)
CLOSING = ("Written by the offline generator from a template (no LLM configured): fill in "
           "the [brackets], or set OPENAI_API_KEY or OPENAI_BASE_URL to get real drafts.")
SHORTER = re.compile(r"\b(?:short(?:er|en)?|brief(?:er)?|concise|trim|tl;?dr|cut)\b",
                     re.IGNORECASE)
_THE_THREAD = re.compile(r"^(?:what (?:we|was|you|they|people) \w+|this|that|it|"
                         r"(?:this|the) (?:thread|discussion|conversation|channel))$",
                         re.IGNORECASE)
_POINT = re.compile(r"^(?:• |- |\d+\. )")


def kind_of(instruction: str) -> str:
    """The shape an instruction asks for; "note" when it names none."""
    found = [(match.start(), n, kind) for n, (kind, pattern) in enumerate(_KINDS)
             if (match := re.search(pattern, instruction, re.IGNORECASE))]
    return min(found)[2] if found else NOTE


def draft(instruction: str, context: str, *, previous: str | None = None,
          kind: str | None = None) -> str:
    """A draft of `kind` (else the instruction's) from the thread's people's lines in
    `context` ("[author] text" per line). Asked to make `previous` shorter, it keeps
    that draft with half its points."""
    if previous and SHORTER.search(instruction):
        return _shortened(previous)
    kind = kind or kind_of(instruction)
    subject = _subject(instruction) if kind != NOTE else _first_line(instruction)
    said = _messages(context)
    body = _SHAPES[kind](subject, said)
    return "\n".join([*body, "", CLOSING])


def _statements(said: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The lines that say something rather than ask."""
    return [m for m in said if not m[1].rstrip().endswith("?")]


def _announcement(subject: str, said: list[tuple[str, str]]) -> list[str]:
    told = _statements(said)
    what = told[-1][1] if told else "[what changes, in one sentence]"
    when = _first_date([("", subject), *said]) or "[the date it starts]"
    return [f"*📣 {_title(subject) or '[What we are announcing]'}*", "",
            f"Heads-up, everyone: {_sentence(subject) if subject else '[the news]'}",
            f"• What changes: {_clip(what, 160)}", f"• From when: {when}",
            "• What you need to do: [the one thing readers should do]",
            "Questions? Reply in this thread."]


def _plan(subject: str, said: list[tuple[str, str]]) -> list[str]:
    steps = ([_clip(text, 120) for _, text in _statements(said)[:3]]
             or ["[first step]", "[second step]"])
    lines = [f"*Plan: {_title(subject) or '[what this plan is for]'}*", "",
             f"Goal: {_sentence(subject) if subject else '[the outcome, in one line]'}",
             "Steps:"]
    lines += [f"{n}. {step} — owner: [name], by [date]" for n, step in enumerate(steps, 1)]
    lines += [f"{len(steps) + 1}. Check how it went — owner: [name], by [date]",
              "How we will know it worked: [a measure and its target]"]
    return lines


def _list(subject: str, said: list[tuple[str, str]]) -> list[str]:
    items = [_clip(text, 140) for _, text in said[:6]] or ["[first item]", "[second item]",
                                                            "[third item]"]
    return [f"*{_title(subject) or 'List'}*", "", *(f"• {item}" for item in items)]


def _reply(subject: str, said: list[tuple[str, str]]) -> list[str]:
    if not said:
        return ["Thanks for the message. [Your answer in one or two sentences.]",
                "[What happens next, and when.]"]
    author, text = said[-1]
    asked = next((q for _, t in reversed(said) for q in re.findall(r"[^.!?]*\?", t)), "")
    lines = [f"Thanks{' ' + author if author else ''}, on “{_clip(text, 100)}”:"]
    if asked:
        lines.append(f"To your question “{_clip(asked.strip(), 100)}”: [your answer].")
    else:
        lines.append("[Your answer in one or two sentences.]")
    lines.append("[What happens next, and when.]")
    return lines


def _summary(subject: str, said: list[tuple[str, str]]) -> list[str]:
    if not said:
        return ["*Summary*", "", "• There is nothing in the thread to summarise yet."]
    heading = f"*Summary: {_title(subject)}*" if subject and kind_of(subject) == NOTE \
        else "*Summary of the thread*"
    lines = [heading, "", f"• Started with: {_said(said[0])}"]
    lines += [f"• Then: {_said(m)}" for m in said[1:4]]
    open_ = [t for _, t in said if t.rstrip().endswith("?")]
    lines.append(f"• Open: {_clip(open_[-1], 140)}" if open_ else
                 "• Open: [anything still undecided]")
    return lines


def _note(subject: str, said: list[tuple[str, str]]) -> list[str]:
    lines = ["*Draft*", "", f"Asked: {_clip(subject, 200)}" if subject else
             "Asked: [what this draft is for]"]
    lines += [f"• From the discussion: {_said(m)}" for m in said[:2]]
    lines.append("• Next step: [owner] by [date]")
    return lines


_SHAPES: dict[str, Callable[[str, list[tuple[str, str]]], list[str]]] = {
    ANNOUNCEMENT: _announcement, PLAN: _plan, LIST: _list, REPLY: _reply,
    SUMMARY: _summary, NOTE: _note}


def _subject(instruction: str) -> str:
    """What the instruction is about, without "draft a short announcement of"."""
    subject = _LEAD.sub("", _first_line(instruction), count=1).strip()
    # "what we discussed", "this": the thread itself, not a subject to name
    return "" if _THE_THREAD.match(subject) else subject


def _first_line(instruction: str) -> str:
    first = next((ln.strip() for ln in instruction.splitlines() if ln.strip()), "")
    return re.sub(r"[\s?!.,;:…]+$", "", " ".join(first.split()))


def _messages(context: str) -> list[tuple[str, str]]:
    """(author, text) of each meaningful line; condensed-thread notes left out."""
    found: list[tuple[str, str]] = []
    for raw in context.splitlines():
        match = re.match(r"^\[([^\]…]{1,80})\]\s*(.*)$", raw.strip())
        author, text = (match.group(1), match.group(2)) if match else ("", raw)
        if raw.strip().startswith("[…"):
            continue
        text = re.sub(r"^\s*(?:[-*•>]+|\d+[.)])\s*", "", text).replace("**", "")
        text = " ".join(text.split())
        if len(re.findall(r"\w+", text)) >= 2:
            found.append((author, text))
    return found


def _first_date(said: list[tuple[str, str]]) -> str | None:
    for _, text in said:
        found = DATES.search(text)
        if found:
            return found.group(0)
    return None


def _said(message: tuple[str, str]) -> str:
    author, text = message
    return f"{author}: {_clip(text, 140)}" if author else _clip(text, 140)


def _title(subject: str) -> str:
    return _clip(subject[:1].upper() + subject[1:], 80) if subject else ""


def _sentence(subject: str) -> str:
    return _clip(subject, 200) + "."


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _shortened(previous: str) -> str:
    """A previous draft with half its points (at least one); the rest kept."""
    lines = previous.splitlines()
    points = [line for line in lines if _POINT.match(line)]
    keep = set(points[: max(1, len(points) // 2)])
    return "\n".join(line for line in lines if not _POINT.match(line) or line in keep)
