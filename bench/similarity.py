"""When is an idea "the same" as a rejected one: precision and recall of the rule on the
labelled pairs in tests/data/idea_pairs.jsonl, against difflib's character ratio used
before (the baseline, run in the same process), and what the filter costs as a channel's
rejections grow: 5 new ideas against 1,000 and 10,000 rejected ones, the first time
and again; the new ideas match none of them, so each is compared with every one. Two
ways, in the same process: computing (each rejected idea's words worked out from its
text in the request path: the first time stems every one, again finds their stems
cached, not their words: `content_words` keeps no text) and
stored (the words `kept_words` made when each idea was saved, as the filter reads them
now), with the ratio of the two. Then the whole filter on SQLite, 10,000 rejected ideas
with their words stored: reading them (`SteeringStore.rejected_ideas`) and judging 5
new ideas (`RejectionFilter`), each timed.

By meaning: with an embeddings model configured (`OPENAI_BASE_URL` and
`IDEALOOP_EMBEDDING_MODEL` in the environment; `python -m bench.similarity`), the
labelled texts are embedded once and precision and recall are printed threshold by
threshold, to choose `IDEALOOP_EMBEDDING_THRESHOLD` for that model. This machine has no
embeddings model and may download none, so `make bench` says "not measured" there. What
the meaning filter costs is measured either way, on random 1,536-float vectors: reading
10,000 rejected ideas' vectors from SQLite, and comparing 5 new ideas with all of them.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import Row
from bot.config import Settings
from bot.llm.choose import make_embedder
from bot.llm.meaning import SameMeaning, cosine, pack
from bot.llm.similarity import (
    NearDuplicates,
    SameIdeas,
    clear_caches,
    kept_words,
    same_idea,
    without_rejected,
)
from bot.rejections import RejectionFilter, words_to_keep
from storage.base import utcnow
from storage.brainstorms import NewBrainstorm
from storage.db import make_engine, upgrade
from storage.signals import ReactionChange
from storage.stores import Stores
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
    """Computing: the rejected ideas' words worked out from their texts."""
    started = time.perf_counter()
    without_rejected(ideas, rejected, topic="onboarding")
    return (time.perf_counter() - started) * 1000


def _stored_ms(kept: list[tuple[str, str]], ideas: list[str]) -> float:
    """Stored: the rejected ideas' words as kept with them (read from the database)."""
    started = time.perf_counter()
    held = SameIdeas(topic="onboarding")
    held.add_kept([form for form, _ in kept], [words for _, words in kept])
    assert not any(held.matches(idea) for idea in ideas)
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
    rows += _by_meaning(pairs)
    rng = random.Random(11)
    # New ideas share no word with the rejected ones, so each is compared with all of them.
    ideas = [f"idea {n} about " + " ".join(f"novel{n}x{k}" for k in range(6)) for n in range(5)]
    for size in (1_000, 10_000):
        rejected = _rejected(rng, size)
        kept = [kept_words(text) for text in rejected]  # when each was saved
        clear_caches()
        cold = _filter_ms(rejected, ideas)
        warm = _filter_ms(rejected, ideas)
        clear_caches()
        stored_cold = _stored_ms(kept, ideas)
        stored_warm = _stored_ms(kept, ideas)
        print(f"  5 ideas against {size:,} rejected: computing {cold:.1f} ms first, "
              f"{warm:.1f} ms again; stored {stored_cold:.1f} ms first "
              f"({cold / stored_cold:.0f}x less), {stored_warm:.1f} ms again "
              f"({warm / stored_warm:.1f}x less)")
        rows.append((f"rejection filter, 5 ideas against {size:,} rejected",
                     f"computing their words {cold:.1f} ms first, {warm:.1f} ms again; "
                     f"stored {stored_cold:.1f} ms first ({cold / stored_cold:.0f}x), "
                     f"{stored_warm:.1f} ms again ({warm / stored_warm:.1f}x)"))
    with _rejected_store() as (stores, item_ids):
        rows += _stored_cost(stores, ideas, len(item_ids))
        rows += _meaning_cost(stores, item_ids)
    return rows


def _rejected(rng: random.Random, size: int) -> list[str]:
    return [" ".join(rng.sample(WORDS, 9)) + f" variant {n}" for n in range(size)]


@contextmanager
def _rejected_store(size: int = 10_000) -> Iterator[tuple[Stores, list[int]]]:
    """A scratch SQLite database where one channel rejected `size` ideas, saved with
    their words (as brainstorms save them)."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/rejected.db")
        upgrade(engine)
        stores = Stores.open(engine)
        texts = _rejected(random.Random(12), size)
        saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
            channel="C1", requester="U1", topic="onboarding", model="m", header_ts="1.0",
            ideas=texts, words=[words_to_keep(text) for text in texts]))
        assert saved is not None
        stores.signals.apply_reactions([ReactionChange(
            item_id=item_id, user_id="U2", emoji="-1", polarity=-1, active=True, event_us=1,
            at=utcnow()) for item_id in saved.item_ids])
        try:
            yield stores, saved.item_ids
        finally:
            engine.dispose()


def _stored_cost(stores: Stores, ideas: list[str], size: int) -> list[Row]:
    """The whole filter on SQLite: the rejected ideas read with their words
    (`rejected_ideas`) and 5 new ideas judged against them, no stem cached."""
    clear_caches()
    started = time.perf_counter()
    assert len(stores.steering.rejected_ideas("C1")) == size
    read = time.perf_counter() - started
    clear_caches()
    started = time.perf_counter()
    check = RejectionFilter(stores.steering).check("C1", "onboarding")
    assert all(check.keeps(idea)[0] for idea in ideas)
    whole = time.perf_counter() - started
    print(f"  whole filter on SQLite, 5 ideas against {size:,} rejected with stored words: "
          f"{read * 1000:.1f} ms to read them, {whole * 1000:.1f} ms read and judged")
    return [(f"rejection filter on SQLite, 5 ideas against {size:,} rejected (stored words)",
             f"{read * 1000:.1f} ms to read them, {whole * 1000:.1f} ms read and judged")]


def _by_meaning(pairs: list[dict[str, object]]) -> list[Row]:
    """Precision and recall of the configured embeddings model, threshold by threshold."""
    embedder = make_embedder(Settings.from_env())
    if embedder is None:
        print("  by meaning: not measured (no embeddings model configured; set "
              "OPENAI_BASE_URL and IDEALOOP_EMBEDDING_MODEL)")
        return [("same idea: by meaning (embeddings)",
                 "not measured: no embeddings model on this machine")]
    texts = sorted({str(p[k]) for p in pairs for k in ("a", "b")})
    vectors = dict(zip(texts, (pack(v) for v in embedder.embed(texts)), strict=True))
    best: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    for step in range(10, 20):
        threshold = step / 20
        precision, recall = _scores(
            lambda p, t=threshold: cosine(vectors[str(p["a"])], vectors[str(p["b"])]) >= t)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"  by meaning ({embedder.model}) at {threshold:.2f}: precision "
              f"{precision:.2f}, recall {recall:.2f}")
        best = max(best, (f1, threshold, precision, recall))
    _, threshold, precision, recall = best
    return [(f"same idea: by meaning ({embedder.model}), best threshold {threshold:.2f}",
             f"precision {precision:.2f}, recall {recall:.2f} on {len(pairs)} labelled pairs")]


def _meaning_cost(stores: Stores, item_ids: list[int], dims: int = 1_536) -> list[Row]:
    """Reading the rejected ideas' vectors from SQLite, and comparing 5 new ideas with
    every one of them (random vectors: none matches, so none stops early)."""
    rng = random.Random(5)
    size = len(item_ids)
    stores.steering.save_vectors("bench", {
        item_id: pack([rng.gauss(0, 1) for _ in range(dims)]) for item_id in item_ids})
    started = time.perf_counter()
    held = stores.steering.vectors("bench", item_ids)
    read = time.perf_counter() - started
    new = [pack([rng.gauss(0, 1) for _ in range(dims)]) for _ in range(5)]
    started = time.perf_counter()
    matcher = SameMeaning(list(held.values()), threshold=0.85)
    assert not any(matcher.matches(vector) for vector in new)
    compared = time.perf_counter() - started
    print(f"  by meaning, 5 ideas against {size:,} rejected ({dims} floats each): vectors "
          f"read in {read * 1000:.1f} ms, compared in {compared * 1000:.1f} ms")
    return [(f"rejection filter by meaning, 5 ideas against {size:,} rejected",
             f"{read * 1000:.1f} ms to read their vectors (SQLite), "
             f"{compared * 1000:.1f} ms to compare")]


if __name__ == "__main__":
    measure()
