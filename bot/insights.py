"""What the signals say: channel statistics and preference pairs. Slack-free.

Preference pairs are the training-ready form of the team's judgement: for one prompt
(a brainstorm's topic), an idea its people approved next to one they rejected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from storage.reports import ChannelStats


def stats_summary(stats: ChannelStats, *, by_meaning: bool = False) -> list[str]:
    """Plain sentences about how people judged the AI's output in a channel.
    `by_meaning`: rejected ideas are recognised by an embeddings model."""
    if not stats.kinds:
        return ["The AI has not posted anything in this channel yet. Try `/brainstorm <topic>`."]
    lines = []
    for kind, label in (("idea", "ideas"), ("draft", "drafts"), ("feedback", "critiques"),
                        ("polish", "polished versions")):
        k = stats.kinds.get(kind)
        if k is None:
            continue
        line = (f"*{label.capitalize()}*: {k.items} posted, {k.judged} judged "
                f"({_pct(k.judged, k.items)})")
        if k.judged:
            line += (f" — {k.approved} approved, {k.rejected} rejected: an approval rate of "
                     f"{_pct(k.approved, k.approved + k.rejected)} among decided ones")
        lines.append(line + ".")
    lines.append(f"{stats.people} {'person has' if stats.people == 1 else 'people have'} "
                 "given signals here. A new idea that repeats one this channel rejected, "
                 + ("in words or in meaning (judged by an embeddings model, so not "
                    "always right)" if by_meaning else "in the same words or close ones")
                 + ", is dropped before it is posted.")
    return lines


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"


def preference_pairs(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Approved vs rejected ideas of the same brainstorm, from `ReportStore.export_rows`."""
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["brainstorm_id"] is not None:
            groups[row["brainstorm_id"]].append(row)
    for brainstorm_id, items in groups.items():
        chosen = [r for r in items if r["score"] > 0]
        rejected = [r for r in items if r["score"] < 0]
        for good in sorted(chosen, key=lambda r: -r["score"]):
            for bad in sorted(rejected, key=lambda r: r["score"]):
                yield {
                    "prompt": good["topic"], "chosen": good["text"], "rejected": bad["text"],
                    "chosen_score": good["score"], "rejected_score": bad["score"],
                    "channel": good["channel"], "brainstorm_id": brainstorm_id,
                    "model": good["model"],
                }
