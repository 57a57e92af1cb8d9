"""The offline idea generator: useful brainstorming without any LLM (``IDEALOOP_LLM=offline``).

Why this exists: a team should be able to install idealoop and get value on day one, before
anyone has an API key or a local model server -- and CI and demos must not depend on a network.
Instead of canned filler, the generator applies named ideation techniques (SCAMPER, inversion,
constraints, analogy, pre-mortem, 5 whys, ...) to whatever topic it is given, so every idea is a
concrete prompt for discussion and says which technique produced it.

Design choices:

* Deterministic: the same ``(topic, count, avoid, favour)`` always gives the same list. The order
  of techniques and the phrasing used for each are seeded from a SHA-256 of the normalised topic
  (never ``hash()``, which is salted per process), so tests and screenshots are reproducible.
* Varied: there are many techniques with several phrasings each (``techniques.py``); texts
  passed as ``avoid`` (the bot passes the channel's rejected ideas) and their close variants
  never come back, and approved ideas passed as ``favour`` put their techniques first --
  within the topic's kind: a channel that approved process ideas still gets names for a
  naming topic, and "More like this" on a name gets names near it (``names.py``).
* Topic-aware: the topic is turned into a subject and a goal that fit mid-sentence, with
  concrete nouns and metrics from an everyday domain (``topics.py``); a long clause topic
  fills verb slots whole and noun slots with the thing it is about.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.llm.offline.kinds import NAMING, QUESTION
from bot.llm.offline.names import name_in, near_names
from bot.llm.offline.techniques import (
    ALL_TECHNIQUES,
    FIELDS,
    NAME_TECHNIQUES,
    NEAR_NAME_TECHNIQUES,
    PROCESS_KINDS,
    QUESTION_TECHNIQUES,
    RECURRING_MARKERS,
    TECHNIQUES,
    Technique,
    normalise_idea,
    technique_of,
)
from bot.llm.offline.topics import Topic, parse_topic
from bot.llm.similarity import NearDuplicates, SameIdeas, normalise

OFFLINE_MODEL = "idealoop-offline"
MIN_COUNT = 1
MAX_COUNT = 10
MIN_WORDS = 8
MAX_WORDS = 30
# An idea repeats another when either its whole text or its text without the technique
# label is close: "Do X (analogy)" and "Do X (inversion)" are the same idea.
IDEA_FORMS = (normalise, normalise_idea)


def _seed(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _word_count(text: str) -> int:
    return len(text.split())


class OfflineGenerator:
    """Brainstorms with classic ideation techniques instead of an LLM; see the module docs."""

    model: str = OFFLINE_MODEL

    def ideas(
        self,
        topic: str,
        count: int = 5,
        *,
        avoid: Sequence[str] = (),
        favour: Sequence[str] = (),
        proposed: Sequence[str] = (),
        passed_over: Sequence[str] = (),
        near: str | None = None,
    ) -> list[str]:
        """``count`` (clamped to 1..10) distinct ideas for ``topic``.

        ``avoid`` holds rejected ideas: neither they nor the same idea in other words come
        back, and their techniques go last. ``favour`` holds approved ideas: their
        techniques go first (each technique is weighed by its approvals minus its
        rejections, less a little for each recent idea that drew no reaction at all, so
        untried techniques get their turn). ``proposed`` holds ideas already proposed on
        this topic: none is repeated as worded, so asking again moves on to fresh ones.

        The kind of topic comes first: weights reorder techniques only within their tier
        (for a naming topic: names, then ways to choose one, then the rest), so a team that
        approved process ideas still gets names for a naming topic. ``near`` is the idea
        "More like this" was clicked on: for a name, the names near it come first.
        """
        count = max(MIN_COUNT, min(MAX_COUNT, int(count)))
        avoid = (avoid,) if isinstance(avoid, str) else avoid
        favour = (favour,) if isinstance(favour, str) else favour
        parsed = parse_topic(topic)
        rng = random.Random(_seed("ideas", parsed.key))
        seed_name = name_in(near) if near and parsed.kind == NAMING else None
        if seed_name:
            thing = parsed.forms[0][0]
            parsed = replace(parsed, slots={**parsed.slots, **near_names(seed_name, thing)})

        # Phrasing choices are drawn before any reordering so `favour` only changes the order.
        order = [t for t in ALL_TECHNIQUES if parsed.kind in t.kinds
                 and (seed_name or t not in NEAR_NAME_TECHNIQUES)]
        rng.shuffle(order)
        if parsed.kind not in PROCESS_KINDS:
            # Then ideas phrased around the topic as a whole, then (for a noun phrase that
            # reads well in any sentence, not a quotation) the general techniques.
            for extra in (QUESTION_TECHNIQUES,
                          TECHNIQUES if parsed.kind != QUESTION else ()):
                more = [t for t in extra if t not in order]
                rng.shuffle(more)
                order += more
        starts = {t.name: rng.randrange(len(t.phrasings)) for t in order}
        fields = {t.name: FIELDS[rng.randrange(len(FIELDS))] for t in order}

        weight = _technique_weights(favour, avoid, passed_over)
        # Stable: ties keep the seeded order; the tier always beats the weight.
        order.sort(key=lambda t: (_tier(t, parsed.kind, seed_name is not None),
                                  -weight.get(t.name, 0)))

        # The words that stand for the topic in the phrasings are the topic's own.
        topic_words = " ".join([topic, *(f"{subject} {goal}" for subject, goal in parsed.forms)])
        blocked = SameIdeas(avoid, topic=topic_words)
        chosen_list = NearDuplicates(proposed, forms=IDEA_FORMS)
        chosen: list[str] = []
        used: set[tuple[str, int]] = set()
        # Round 0 takes one idea per technique, for variety; later rounds allow another phrasing
        # of a technique, for when `avoid` has used up the first choices.
        for _round in range(max(len(t.phrasings) for t in order)):
            for technique in order:
                if len(chosen) >= count:
                    return chosen
                n = len(technique.phrasings)
                for step in range(n):
                    index = (starts[technique.name] + step) % n
                    if (technique.name, index) in used:
                        continue
                    used.add((technique.name, index))
                    idea = self._render(technique, index, parsed, fields[technique.name])
                    if idea is None or blocked.matches(idea) or chosen_list.matches(idea):
                        continue
                    chosen.append(idea)
                    chosen_list.add(idea)
                    break
        return chosen

    @staticmethod
    def _render(
        technique: Technique, index: int, topic: Topic, field: tuple[str, str]
    ) -> str | None:
        """Fill one phrasing, falling back to shorter topic forms to stay within 30 words."""
        template = technique.phrasings[index]
        domain = topic.domain
        if domain.event and any(marker in template for marker in RECURRING_MARKERS):
            return None  # a one-off event has no "next sprint" or "two-week trial"
        for subject, goal in topic.forms:
            body = template.format(
                subject=subject,
                goal=goal,
                people=domain.people,
                metric=domain.metric,
                unit=domain.unit,
                artifact=domain.artifact,
                waste=domain.waste,
                field=field[0],
                lesson=field[1],
                **topic.slots,
            )
            idea = f"{body[:1].upper()}{body[1:]} ({technique.name})"
            if MIN_WORDS <= _word_count(idea) <= MAX_WORDS:
                return idea
        return None


def _tier(technique: Technique, kind: str, near: bool) -> int:
    """Where a technique stands for a topic of `kind`, whatever the team's taste: for a
    naming topic, names near the one asked about (with `near`), then other names, then
    ways to choose; then the techniques of the topic's own kind, then the general ones."""
    if kind == NAMING and technique in NEAR_NAME_TECHNIQUES:
        return 0
    if kind == NAMING and technique.name in NAME_TECHNIQUES:
        return 1 if near else 0
    if kind in technique.kinds:
        return 2
    return 3 if technique in QUESTION_TECHNIQUES else 4


def _technique_weights(favour: Iterable[str], avoid: Iterable[str],
                       passed_over: Iterable[str] = ()) -> dict[str, float]:
    """Each known technique's approved ideas minus its rejected ones, less a quarter for
    each of its ideas nobody reacted to: the channel's taste, as far as it has shown it."""
    weights: dict[str, float] = {}
    for texts, step in ((favour, 1.0), (avoid, -1.0), (passed_over, -0.25)):
        for text in texts:
            name = technique_of(text)
            if name:
                weights[name] = weights.get(name, 0.0) + step
    return weights


def _clean_instruction(instruction: str) -> str:
    text = next((ln.strip() for ln in instruction.splitlines() if ln.strip()), "")
    return re.sub(r"[\s?!.,;:…]+$", "", text)


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _context_lines(context: str, limit: int) -> list[str]:
    """The first meaningful lines of the context, without list markers or markdown."""
    found: list[str] = []
    for raw in context.splitlines():
        line = re.sub(r"^\s*(?:[-*•>]+|\d+[.)])\s*", "", raw)
        line = line.replace("**", "").replace("__", "").strip()
        line = " ".join(line.split())
        if len(re.findall(r"\w+", line)) < 2:
            continue
        found.append(_clip(line, 140))
        if len(found) >= limit:
            break
    return found
