"""Does the loop learn? A simulated team with hidden tastes (`testkit/learning.py`)
judges 10 brainstorms in one channel, through the real Brainstormer, the offline
generator and a SQLite store; each round it also records a decision on one idea it
likes, which counts as a strong approval (`bot.decisions`).

The team approves ideas of three kinds (techniques: smallest experiment, automate,
measure first) and rejects two (gamify, 10x thinking). Printed: the share of each
round's ideas it approved and rejected (the acceptance rate must rise: approved ideas
pull their techniques forward, rejected ones and ideas nobody reacted to push theirs
back), and, for the LLM path, the part of the next prompt that carries the team's
judgement to the model.
"""

from __future__ import annotations

from bench.common import Row
from bot.config import Settings
from bot.decisions import Decisions
from bot.ideas import Brainstormer
from bot.llm.offline_model import OfflineModel
from bot.llm.prompts import brainstorm_messages
from storage.db import make_engine
from storage.stores import Stores
from testkit.databases import sqlite_database
from testkit.learning import simulate

CHANNEL = "C0LEARN"


def measure(quick: bool = False) -> list[Row]:
    with sqlite_database("idealoop-learning-") as url:
        stores = Stores.open(make_engine(url))
        try:
            rounds = simulate(Brainstormer(Settings(), OfflineModel(), stores), stores, CHANNEL,
                              decisions=Decisions(Settings(), stores))
            approved, rejected = stores.steering.channel_feedback(CHANNEL)
            decided = stores.steering.decided_texts(CHANNEL)  # the recent ones
            made = {d.text for d in stores.decisions.export_rows()}
            strong = sum(1 for row in stores.reports.export_rows()
                         if row["text"] in made and row["approvals"] == 3)
        finally:
            stores.engine.dispose()
    for n, r in enumerate(rounds, start=1):
        print(f"  round {n:2d} ({r.topic}): {r.approved} of {r.ideas} approved, "
              f"{r.rejected} rejected")
    prompt = brainstorm_messages("one more topic", 5, approved, rejected)[-1]["content"]
    print("  what the LLM is told next (the part carrying the signals):")
    for line in prompt.split("\n\n")[2:6]:
        print("    " + line.replace("\n", "\n    "))
    shares = [r.approved / r.ideas for r in rounds]
    first, last = sum(shares[:3]) / 3, sum(shares[-3:]) / 3
    return [
        ("learning loop (offline generator), share approved per round",
         " ".join(f"{share:.0%}" for share in shares)
         + f"; first three {first:.0%}, last three {last:.0%}"),
        ("learning loop (offline generator), share rejected per round",
         " ".join(f"{r.rejected / r.ideas:.0%}" for r in rounds)),
        ("learning loop (LLM path), signals in the next prompt",
         f"{len(approved)} approved and {len(rejected)} rejected ideas, fenced as data"),
        ("learning loop, decisions as strong approvals",
         f"{sum(r.decided for r in rounds)} decisions; {strong} decided ideas counted with "
         "the decider's approval (3 approvals, not 2); the next prompt opens with the "
         f"{sum(1 for text in approved[:len(decided)] if text in decided)} recent decided "
         "ideas"),
    ]


if __name__ == "__main__":
    measure()
