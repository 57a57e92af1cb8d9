"""When is an idea "the same" as a rejected one: precision and recall of the rule on the
labelled pairs in tests/data/idea_pairs.jsonl, against difflib's character ratio used
before (the baseline, run in the same process), and what the filter costs as a channel's
rejections grow: 5 new ideas against 1,000 and 10,000 rejected ones, the first time
(every rejected idea stemmed) and again (their words cached); the new ideas match none
of them, so each is compared with every one.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Row
from bot.llm.similarity import NearDuplicates, clear_caches, same_idea, without_rejected
from testkit.idea_pairs import false_drops

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "idea_pairs.jsonl"
WORDS = ("team", "standup", "review", "budget", "hiring", "onboarding", "customer",
         "release", "design", "test", "deploy", "meeting", "lunch", "offsite", "retro",
         "survey", "guide", "buddy", "video", "demo", "metric", "goal", "ticket", "support",
         "docs", "wiki", "pairing", "mentor", "feedback", "roadmap", "sprint")


def _scores(rule: Callable[[dict[str, str]], bool]) -> tuple[float, float]:
    pairs = [json.loads(line) for line in PAIRS.read_text().splitlines()]
    guesses = [(rule(pair), pair["same"]) for pair in pairs]
    hits = sum(1 for guess, truth in guesses if guess and truth)
    said = sum(1 for guess, _ in guesses if guess)
    return (hits / said if said else 1.0), hits / sum(1 for _, truth in guesses if truth)


def _filter_ms(rejected: list[str], ideas: list[str]) -> float:
    started = time.perf_counter()
    without_rejected(ideas, rejected, topic="onboarding")
    return (time.perf_counter() - started) * 1000


def measure(quick: bool = False) -> list[Row]:
    pairs = [json.loads(line) for line in PAIRS.read_text().splitlines()]
    same = sum(pair["same"] for pair in pairs)
    rows: list[Row] = []
    print(f"same idea: {len(pairs)} labelled pairs ({same} rewordings, "
          f"{len(pairs) - same} distinct ideas on a shared topic)")
    for name, rule in (
        ("content words (stemmed, topic left out)",
         lambda p: same_idea(p["a"], p["b"], topic=p["topic"])),
        ("difflib ratio ≥ 0.8 (before)", lambda p: NearDuplicates([p["b"]]).matches(p["a"])),
    ):
        precision, recall = _scores(rule)
        print(f"  {name:42s} precision {precision:.2f}, recall {recall:.2f}")
        rows.append((f"same idea: {name}", f"precision {precision:.2f}, recall {recall:.2f} "
                     f"on {len(pairs)} labelled pairs"))
    dropped = false_drops(pairs)
    print(f"  ideas dropped with every other idea of their topic rejected: {dropped:.0%}")
    rows.append(("same idea: ideas wrongly dropped, every other idea of the topic rejected",
                 f"{dropped:.0%} of {len({p[k] for p in pairs for k in ('a', 'b')})}"))
    rng = random.Random(11)
    # New ideas share no word with the rejected ones, so each is compared with all of them.
    ideas = [f"idea {n} about " + " ".join(f"novel{n}x{k}" for k in range(6)) for n in range(5)]
    for size in (1_000, 10_000):
        rejected = [" ".join(rng.sample(WORDS, 9)) + f" variant {n}" for n in range(size)]
        clear_caches()
        cold = _filter_ms(rejected, ideas)
        warm = _filter_ms(rejected, ideas)
        print(f"  5 ideas against {size:,} rejected: {cold:.1f} ms first, {warm:.1f} ms again")
        rows.append((f"rejection filter, 5 ideas against {size:,} rejected",
                     f"{cold:.1f} ms first (stemming them), {warm:.1f} ms again"))
    return rows


if __name__ == "__main__":
    measure()
