"""Drafts from threads: what a mention asks for, what the prompt carries, how it is kept.

Slack-free. The handler reads the thread and posts; this module decides:
- the instruction (the mention without the bot's name; empty means "summarise"),
- whether this is a revision (a draft already exists in the thread),
- which brainstorm ideas "expand idea 3" / "a plan for 2 and 5" refer to,
- how the thread fits the prompt budget (`bot.llm.thread_fitting`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.errors import BadInput, LLMBadOutput
from bot.llm.model import DraftRequest, TextModel
from bot.llm.thread_fitting import FittedThread, ThreadMessage, estimate_tokens, fit_thread
from storage.repository import NewDraft, Store, StoredDraft

DEFAULT_INSTRUCTION = "Summarise this thread: the question, what was said, and what is open."
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_NUMBER = re.compile(r"(?<![\d.:/])\b(\d{1,2})\b(?![\d.:/%])")
# "idea 9", "ideas 2 and 9", "idea #4": numbers that can only mean ideas of the brainstorm
_IDEA_NUMBERS = re.compile(r"\bideas?\s*#?\d{1,3}(?:\s*(?:,|&|and|or)\s*#?\d{1,3})*",
                           re.IGNORECASE)


def drew_on(fitted: FittedThread) -> str:
    """Which of the thread's messages a draft drew on, said under it."""
    if not fitted.total_messages:
        return "drew on your instruction alone"
    said = f"drew on {fitted.total_messages} message{'s' if fitted.total_messages != 1 else ''}"
    if fitted.authors:
        names = list(fitted.authors)
        said += " from " + (names[0] if len(names) == 1
                            else ", ".join(names[:-1]) + " and " + names[-1])
    if fitted.condensed or fitted.omitted:
        said += f" ({fitted.verbatim} in full, {fitted.condensed} condensed"
        said += f", {fitted.omitted} left out)" if fitted.omitted else ")"
    return said


def instruction_from(text: str) -> str:
    """The mention's text without bot mentions; the default request when nothing is left."""
    cleaned = " ".join(_MENTION.sub(" ", text or "").split())
    return cleaned or DEFAULT_INSTRUCTION


def missing_ideas(instruction: str, count: int) -> list[int]:
    """Numbers the instruction calls ideas ("expand idea 9") that a brainstorm of `count`
    ideas does not have."""
    named = {int(n) for ref in _IDEA_NUMBERS.findall(instruction)
             for n in re.findall(r"\d+", ref)}
    return sorted(n for n in named if not 1 <= n <= count)


def referenced_ideas(instruction: str, ideas: Sequence[str]) -> list[tuple[int, str]]:
    """Ideas a brainstorm-thread instruction points at by number ("expand idea 3")."""
    numbers = sorted({int(n) for n in _NUMBER.findall(instruction)})
    return [(n, ideas[n - 1]) for n in numbers if 1 <= n <= len(ideas)]


@dataclass(frozen=True)
class DraftPlan:
    """Everything needed to write one draft, decided before the model is called."""

    channel: str
    thread_ts: str
    instruction: str
    request: DraftRequest
    previous: StoredDraft | None
    ideas: list[tuple[int, str]]
    fitted: FittedThread

    @property
    def is_revision(self) -> bool:
        return self.previous is not None


class Drafter:
    def __init__(self, settings: Settings, model: TextModel, store: Store) -> None:
        self.settings = settings
        self.model = model
        self.store = store

    def plan(self, *, channel: str, thread_ts: str, mention_text: str,
             thread: Sequence[ThreadMessage], mention_ts: str | None = None) -> DraftPlan:
        """Decide the prompt: instruction, previous draft, referenced ideas, fitted thread.

        The mention itself is left out of the thread material: it is the instruction.
        """
        instruction = instruction_from(mention_text)
        previous = self.store.latest_draft(channel, thread_ts)
        brainstorm = self.store.brainstorm_ideas(channel, thread_ts)
        ideas = referenced_ideas(instruction, brainstorm) if brainstorm else []
        missing = missing_ideas(instruction, len(brainstorm)) if brainstorm else []
        if missing:
            raise BadInput(
                f"This brainstorm has {len(brainstorm or [])} ideas, so there is no idea "
                f"{' or '.join(str(n) for n in missing)}. Mention me again with a number "
                f"from 1 to {len(brainstorm or [])}.")
        material = [m for m in thread if m.ts != mention_ts]
        budget = self.settings.prompt_budget
        fixed = [instruction, previous.text if previous else "", *(t for _, t in ideas)]
        reserved = sum(estimate_tokens(text) for text in fixed)
        fitted = fit_thread(material, max(budget // 4, budget - reserved - 400))
        request = DraftRequest(instruction=instruction, thread_text=fitted.text,
                               previous=previous.text if previous else None, ideas=ideas)
        return DraftPlan(channel, thread_ts, instruction, request, previous, ideas, fitted)

    def stream(self, plan: DraftPlan) -> Iterator[str]:
        return self.model.draft_stream(plan.request)

    def save(self, plan: DraftPlan, *, ts: str, text: str) -> StoredDraft:
        """Keep the written draft under its message `ts`; the draft kept there. When an
        attempt that lost its lease saved one first, that one stands (and is the one to
        show: what people see is what their reactions judge)."""
        self.store.save_draft(NewDraft(
            channel=plan.channel, thread_ts=plan.thread_ts, ts=ts, text=text,
            instruction=plan.instruction, model=self.model.model,
            parent_id=plan.previous.id if plan.previous else None,
            sources=drew_on(plan.fitted),
        ))
        kept = self.store.draft_at(plan.channel, ts)
        if kept is None:  # cannot happen: it was saved in the statement above
            raise LLMBadOutput("the draft was not saved")
        return kept

    def saved_at(self, channel: str, ts: str) -> StoredDraft | None:
        """The draft saved under message `ts`, if an earlier attempt got that far."""
        return self.store.draft_at(channel, ts)
