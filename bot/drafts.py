"""Drafts from threads: what a mention asks for, what the prompt carries, how it is kept.

Slack-free. The handler reads the thread and posts; this module decides:
- the instruction (the mention without the bot's name; empty means "summarise"),
- the mode: a draft, or, when the mention starts with "feedback" (or "critique") or
  "polish" (or "proofread"), a critique or an edited version of a person's own text:
  the text after the word when it is long or follows a colon or a line break, else the
  asker's latest message in the thread, else the thread's first message,
- whether this is a revision (a draft already exists in the thread),
- which brainstorm ideas "expand idea 3" / "a plan for 2 and 5" refer to,
- how the thread fits the prompt budget (`bot.llm.thread_fitting`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.errors import BadInput, LLMBadOutput
from bot.llm.model import DraftRequest, TextModel, TokenUsage
from bot.llm.thread_fitting import FittedThread, ThreadMessage, estimate_tokens, fit_thread
from storage.drafts import NewDraft, PrivateDraft, StoredDraft
from storage.stores import Stores

DEFAULT_INSTRUCTION = "Summarise this thread: the question, what was said, and what is open."
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_NUMBER = re.compile(r"(?<![\d.:/])\b(\d{1,2})\b(?![\d.:/%])")
# "idea 9", "ideas 2 and 9", "idea #4": numbers that can only mean ideas of the brainstorm
_IDEA_NUMBERS = re.compile(r"\bideas?\s*#?\d{1,3}(?:\s*(?:,|&|and|or)\s*#?\d{1,3})*",
                           re.IGNORECASE)


DRAFT, FEEDBACK, POLISH = "draft", "feedback", "polish"
DRAFT_THIS = ("Draft a one-page plan for idea {n}: the goal, the first steps, who to involve, "
              "and how we will know it worked.")  # what "Draft this" asks for
_MODE_WORDS = {"feedback": FEEDBACK, "critique": FEEDBACK, "polish": POLISH,
               "proofread": POLISH}
_MODE_START = re.compile(r"(feedback|critique|polish|proofread)\b[ \t]*(:)?",
                         re.IGNORECASE)
INLINE_WORDS = 25  # text this long after "feedback"/"polish" is the text to work on
DEFAULT_FOCUS = {FEEDBACK: "Give feedback on this text.",
                 POLISH: "Polish this text: clearer and tighter, same meaning and voice."}


INTRODUCTION = (
    "Hi! I'm idealoop: I think with your team, and you stay in charge.\n"
    "• `brainstorm <topic>`: ideas, one per message\n"
    "• Ask for a draft: an announcement, a plan, a list, a reply or a summary\n"
    "• `feedback: <your text>`: what works, the risks, open questions, a next step\n"
    "• `polish: <your text>`: your text tightened, with a list of what changed\n"
    "You decide: react (or click 👍 / 👎) on what I write, and your reactions steer "
    "what I propose next.")
_GREETING = (r"(?:hi+|hello+|hey+|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|"
             r"day)|morning|hallo|hej|salut|bonjour|hola|ciao)(?: there| all| team| everyone| "
             r"idealoop| bot)?")
_ABOUT_US = (r"(?:help|what can (?:you|i) do(?: here| with (?:you|this|it))?|"
             r"what (?:do|can) you do|what (?:is|'s) (?:this|idealoop|it)|what are you|"
             r"who are you|how does (?:this|it|idealoop) work|how do i (?:use|start)"
             r"(?: this| you| idealoop| it)?|how (?:can|do) you help(?: me| us)?|"
             r"what (?:is|'s) this (?:app|bot|thing)|getting started|get started)")
_SMALL_TALK = re.compile(rf"^(?:{_GREETING}(?: (?:{_ABOUT_US}))?|{_ABOUT_US})$")


def is_small_talk(text: str) -> bool:
    """A greeting or a question about idealoop itself ("hi", "hello!", "hi, what can you
    do?", "what is this?", "help"): it gets `INTRODUCTION`, not a draft. Only the whole
    message counts, so "help me plan the offsite" is still a request."""
    plain = _MENTION.sub(" ", text or "").lower()
    plain = re.sub(r":[a-z0-9_+-]+:", " ", plain)  # emoji shortcodes
    plain = re.sub(r"[^\w\s'?]", " ", plain)  # punctuation and emoji, but not "?"
    plain = re.sub(r"\s*\?+\s*", " ? ", plain)
    plain = " ".join(plain.split()).removesuffix(" ?").removesuffix("?").strip()
    plain = plain.replace(" ? ", " ").replace("please", "").strip()
    return bool(plain) and bool(_SMALL_TALK.match(" ".join(plain.split())))


@dataclass(frozen=True)
class Asked:
    """What a mention asks for: its mode, what the person added, and any text given
    in the mention itself to work on."""

    mode: str
    focus: str
    inline: str = ""


def asked_for(mention_text: str) -> Asked:
    """The mode of a mention, and for feedback and polish, the focus and inline text."""
    raw = _MENTION.sub(" ", mention_text or "").strip()
    start = _MODE_START.match(raw)
    if start is None:
        return Asked(DRAFT, instruction_from(mention_text))
    mode = _MODE_WORDS[start.group(1).lower()]
    rest = raw[start.end():].strip()
    if start.group(2) and rest:  # "polish: <text>"
        return Asked(mode, "", rest)
    head, colon, tail = rest.partition(":")
    if colon and len(head.split()) <= 6 and tail.strip():
        return Asked(mode, " ".join(head.split()), tail.strip())
    line, newline, body = rest.partition("\n")
    if newline and body.strip():
        return Asked(mode, " ".join(line.split()), body.strip())
    if len(rest.split()) >= INLINE_WORDS:
        return Asked(mode, "", rest)
    return Asked(mode, " ".join(rest.split()))


def asks_bot(message: ThreadMessage, bot_user: str | None) -> bool:
    """True for a message that mentions the bot: a request, not material."""
    return bool(bot_user) and f"<@{bot_user}" in message.text


def text_to_review(thread: Sequence[ThreadMessage], requester: str,
                   mention_ts: str | None, bot_user: str | None = None) -> ThreadMessage | None:
    """The person's own text a critique or polish is about: their latest message in the
    thread that is not a request to the bot (`bot_user` mentioned), else the thread's
    first message when a person wrote it."""
    people = [m for m in thread if m.user and m.ts != mention_ts and m.text.strip()
              and not asks_bot(m, bot_user)]
    mine = [m for m in people if m.user == requester]
    if mine:
        return mine[-1]
    return thread[0] if thread and thread[0] in people else None


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
    mode: str = DRAFT
    reviewed: str | None = None  # feedback, polish: whose text, said under the answer
    usage: TokenUsage = field(default_factory=TokenUsage)  # filled in as the model writes
    requester: str | None = None  # who asked: "forget me" finds their drafts by it
    reviewed_user: str | None = None  # feedback, polish: the Slack id of whose text

    @property
    def is_revision(self) -> bool:
        return self.previous is not None

    @property
    def shown_as(self) -> str:
        """How the answer is labelled: draft, revision, feedback or polish."""
        return shown_as(self.mode, self.previous.id if self.previous else None)

    @property
    def sources(self) -> str:
        """What the answer drew on, said under it."""
        if self.reviewed is None:
            return drew_on(self.fitted)
        said = f"on {self.reviewed}"
        return said + (f"; {drew_on(self.fitted)} for context"
                       if self.fitted.total_messages else "")

    @property
    def source_users(self) -> tuple[str, ...]:
        """The people `sources` may name (by display name): "forget me" clears the line of
        each of them."""
        named = (self.reviewed_user,) if self.reviewed_user else ()
        return tuple(dict.fromkeys((*named, *self.fitted.author_ids)))


def shown_as(kind: str, parent_id: int | None) -> str:
    """The label of a written item: a draft that revises another is a revision."""
    return "revision" if kind == DRAFT and parent_id is not None else kind


class Drafter:
    def __init__(self, settings: Settings, model: TextModel, stores: Stores) -> None:
        self.settings = settings
        self.model = model
        self.stores = stores

    def for_team(self, team: str) -> Drafter:
        """This drafter, on the rows of workspace `team`."""
        return Drafter(self.settings, self.model, self.stores.for_team(team))

    def plan(self, *, channel: str, thread_ts: str, mention_text: str,
             thread: Sequence[ThreadMessage], mention_ts: str | None = None,
             requester: str = "", bot_user: Any = None,
             ideas: list[tuple[int, str]] | None = None,
             review_ts: str | None = None) -> DraftPlan:
        """Decide the prompt: instruction, previous draft, referenced ideas, fitted thread.

        The mention itself is left out of the thread material: it is the instruction.
        `IDEALOOP_REDACT` is applied where the prompt leaves for the server
        (`bot.llm.openai_model`), not here. `review_ts`: feedback or polish on that
        message of the thread (a message shortcut), whoever wrote it.
        """
        asked = asked_for(mention_text)
        if asked.mode != DRAFT:
            return self._review_plan(channel, thread_ts, asked, thread, mention_ts, requester,
                                     bot_user if isinstance(bot_user, str) else None,
                                     review_ts)
        instruction = instruction_from(mention_text)
        if ideas is None:  # a mention: revises the thread's draft; numbers name ideas
            previous = self.stores.drafts.latest_draft(channel, thread_ts)
            brainstorm = self.stores.brainstorms.brainstorm_ideas(channel, thread_ts)
            ideas = referenced_ideas(instruction, brainstorm) if brainstorm else []
            missing = missing_ideas(instruction, len(brainstorm)) if brainstorm else []
        else:  # "Draft this": a fresh draft of the idea itself
            previous, brainstorm, missing = None, None, []
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
                               previous=previous.text if previous else None, ideas=ideas,
                               about_idea=brainstorm is None,
                               guidance=self._guidance(channel))
        return DraftPlan(channel, thread_ts, instruction, request, previous, ideas, fitted,
                         requester=requester or None)

    def _review_plan(self, channel: str, thread_ts: str, asked: Asked,
                     thread: Sequence[ThreadMessage], mention_ts: str | None,
                     requester: str, bot_user: str | None,
                     review_ts: str | None = None) -> DraftPlan:
        """Feedback on, or a polished version of, a person's text (or of the message at
        `review_ts`), with the rest of the thread as context."""
        if review_ts is not None:
            message = next((m for m in thread if m.ts == review_ts and m.text.strip()), None)
            if message is None:
                raise BadInput("That message is no longer there (or has no text), so there "
                               "is nothing to work on.")
            work, skip, whose = message.text, message.ts, message.user
            reviewed = ("your message" if message.user == requester
                        else f"{message.author}'s message")
        elif asked.inline:
            work, reviewed, skip, whose = asked.inline, "the text you gave", None, None
        else:
            message = text_to_review(thread, requester, mention_ts, bot_user)
            if message is None:
                verb = "critique" if asked.mode == FEEDBACK else "polish"
                raise BadInput(
                    f"I found no text of yours to {verb} here. Write it in this thread and "
                    "mention me again, or put it after the word: "
                    f"`@idealoop {asked.mode}: <your text>`.")
            work, skip, whose = message.text, message.ts, message.user
            reviewed = ("your message" if message.user == requester
                        else f"{message.author}'s message")
        material = [m for m in thread if m.ts not in (mention_ts, skip)
                    and not asks_bot(m, bot_user)]
        budget = self.settings.prompt_budget
        reserved = estimate_tokens(work) + estimate_tokens(asked.focus)
        fitted = fit_thread(material, max(budget // 4, budget - reserved - 400))
        instruction = asked.focus or DEFAULT_FOCUS[asked.mode]
        request = DraftRequest(instruction=instruction, thread_text=fitted.text,
                               mode=asked.mode, work=work, guidance=self._guidance(channel))
        return DraftPlan(channel, thread_ts, f"{asked.mode}: {instruction}", request, None,
                         [], fitted, mode=asked.mode, reviewed=reviewed,
                         requester=requester or None, reviewed_user=whose)

    def _guidance(self, channel: str) -> str | None:
        guidance = self.stores.steering.guidance(channel)
        return guidance.text if guidance else None

    def stream(self, plan: DraftPlan) -> Iterator[str]:
        return self.model.draft_stream(plan.request, plan.usage)

    def save(self, plan: DraftPlan, *, ts: str, text: str) -> StoredDraft:
        """Keep the written draft under its message `ts`; the draft kept there. When an
        attempt that lost its lease saved one first, that one stands (and is the one to
        show: what people see is what their reactions judge)."""
        self.stores.drafts.save_draft(NewDraft(
            channel=plan.channel, thread_ts=plan.thread_ts, ts=ts, text=text,
            instruction=plan.instruction, model=self.model.model,
            parent_id=plan.previous.id if plan.previous else None,
            sources=plan.sources, source_users=plan.source_users, kind=plan.mode,
            prompt_tokens=plan.usage.prompt_tokens,
            completion_tokens=plan.usage.completion_tokens, requester=plan.requester,
            author=plan.reviewed_user,
        ))
        kept = self.stores.drafts.draft_at(plan.channel, ts)
        if kept is None:  # cannot happen: it was saved in the statement above
            raise LLMBadOutput("the draft was not saved")
        return kept

    def shown_privately(self, channel: str, ts: str) -> PrivateDraft | None:
        """The draft first shown only to its asker as message `ts` ("Polish this"), and
        where it was posted in the thread since, if it was."""
        return self.stores.drafts.private_draft(channel, ts)

    def claim_post(self, channel: str, ts: str) -> bool:
        """The right to post the privately shown draft `ts`: True for one click, across
        every process, until it is posted or given back (or its holder died a minute
        ago)."""
        return self.stores.drafts.claim_post(channel, ts)

    def release_post(self, channel: str, ts: str) -> None:
        """Give back the right to post it: Slack refused; a later click tries again."""
        self.stores.drafts.release_post(channel, ts)

    def posted(self, channel: str, private_ts: str, posted_ts: str) -> bool:
        """The privately shown draft `private_ts` was posted as `posted_ts`: reactions
        and feedback on that message count for it from now on."""
        return self.stores.drafts.posted_privately_shown(channel, private_ts, posted_ts)

    def saved_at(self, channel: str, ts: str) -> StoredDraft | None:
        """The draft saved under message `ts`, if an earlier attempt got that far."""
        return self.stores.drafts.draft_at(channel, ts)
