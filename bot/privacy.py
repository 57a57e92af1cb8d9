"""Retention and "forget me": how long people's words are kept, and removing one person.

- `IDEALOOP_RETENTION_DAYS` (0: kept for good) purges the texts of everything older than
  that many days — ideas, drafts, topics, instructions, the prompts' inputs — once a day
  across every replica, keeping the rows and their signals so counts stay true
  (`storage.privacy`).
- "Forget me" (`/brainstorm forget me` after a confirmation, or `idealoop forget --user`)
  removes one person's signals and the texts they wrote or asked for, at once.

Both reach every copy of the words (`storage.privacy`), and on SQLite they empty the
write-ahead log afterwards, so the words are not left on disk either. In memory, the
rejection filter keeps no text (`bot.llm.similarity.content_words` is not cached); the
process that forgets or purges also empties its cache of single stemmed words.

What neither can reach is said wherever it is offered: the messages in Slack itself
(idealoop's posts, and people's own) stay in Slack, under Slack's retention.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from bot.config import Settings
from bot.llm.similarity import clear_caches
from storage.base import Clock, utcnow
from storage.claims import LeaseLost
from storage.privacy import Forgotten, PrivacyStore, Purged

log = logging.getLogger(__name__)
RETENTION_JOB = "retention"

FORGET_ASK = (
    "*Forget me?* idealoop will remove, for good and at once:\n"
    "• every reaction and button click of yours it counted (the ideas stay, without your "
    "votes);\n"
    "• the topics of the brainstorms you asked for, and the texts of the drafts, critiques "
    "and polished versions you asked for;\n"
    "• the standing guidance you wrote for any channel (that channel's AI loses it);\n"
    "• the words and notes of the decisions you recorded (who owns them, their due "
    "dates and status stay);\n"
    "• every copy of those words elsewhere in idealoop (others' follow-ups, what later "
    "brainstorms were given, “drew on” lines naming you), the ideas of your "
    "brainstorms in a direct message, and your user token if you installed the app.\n"
    "The messages themselves stay in Slack: delete your own there if you wish.")
FORGET_CANCELLED = "Nothing was removed."


def forgotten_summary(forgotten: Forgotten, who: str = "you") -> str:
    """What the person (`who` is "you") or the operator is told once it is done."""
    parts = [_count(forgotten.signals, "reaction or click", "reactions and clicks"),
             _count(forgotten.brainstorms, "brainstorm topic", "brainstorm topics"),
             _count(forgotten.drafts, "draft text", "draft texts"),
             _count(forgotten.guidance, "channel guidance", "channel guidances")]
    if forgotten.decisions:
        parts.append(_count(forgotten.decisions, "decision's words", "decisions' words"))
    if forgotten.dm_ideas:
        parts.append(_count(forgotten.dm_ideas, "idea in a direct message",
                            "ideas in direct messages"))
    if forgotten.reworked:
        parts.append(_count(forgotten.reworked, "text others brought in from your message",
                            "texts others brought in from your messages")
                     if who == "you" else _count(forgotten.reworked,
                                                 "text brought in from their messages",
                                                 "texts brought in from their messages"))
    if forgotten.copies:
        parts.append(_count(forgotten.copies, "copy elsewhere", "copies elsewhere"))
    said = f"Done: idealoop has forgotten {who}. Removed " + ", ".join(parts) + "."
    return said + (" Anything you do from now on is counted again." if who == "you" else "")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class Privacy:
    """The retention policy and forgetting, over `storage.privacy`."""

    def __init__(self, settings: Settings, store: PrivacyStore, *, owner: str,
                 clock: Clock = utcnow) -> None:
        self.settings = settings
        self.store = store
        self.owner = owner
        self.clock = clock

    def for_team(self, team: str) -> Privacy:
        """Forgetting people of workspace `team` (retention covers every workspace)."""
        return Privacy(self.settings, self.store.for_team(team), owner=self.owner,
                       clock=self.clock)

    def purge_if_due(self) -> Purged | None:
        """Run today's retention purge if retention is on and no process ran it yet
        today (UTC); None when there was nothing for this process to do. Offered every
        hour, it first empties SQLite's write-ahead log, for an earlier forget or purge
        (by any process, the CLI's too) whose own attempt a reader held off."""
        self.store.checkpoint()
        days = self.settings.retention_days
        if not days:
            return None
        now = self.clock()
        day = now.date().isoformat()
        claim = self.store.claim_daily(RETENTION_JOB, day, self.owner)
        if claim is None:
            return None
        try:
            purged = self.store.purge_before(now - timedelta(days=days), claim)
        except LeaseLost:
            log.warning("retention: this run's claim ran out and passed to another process "
                        "mid-purge; this one stopped, and that one finishes the day's run")
            return None
        except Exception:
            self.store.release_daily(claim)  # a later hourly offer (of any process) runs it
            raise
        if not self.store.finish_daily(claim, purged.total):
            log.warning("retention: this run's claim ran out and passed to another process "
                        "before it was recorded; that process records the day's run")
        clear_caches()
        purged = replace(purged, log_cleared=self._checkpoint(patient=True))
        log.info("retention (%d days): purged the texts of %d items and %d brainstorms, "
                 "forgot %d finished requests, cleared %d copies", days, purged.items,
                 purged.brainstorms, purged.work, purged.copies)
        return purged

    def forget(self, user: str, *, everywhere: bool = False,
               patient: bool = False) -> Forgotten:
        """Forget `user` in this workspace (`everywhere`: in every workspace). `patient`
        (the CLI, which no deadline waits for) waits longer for SQLite's log to empty."""
        forgotten = self.store.forget(user, everywhere=everywhere)
        clear_caches()
        forgotten = replace(forgotten, log_cleared=self._checkpoint(patient=patient))
        log.info("forgot a person: %d signals, %d brainstorms, %d drafts, %d guidance, "
                 "%d copies elsewhere, %d installations", forgotten.signals,
                 forgotten.brainstorms, forgotten.drafts, forgotten.guidance,
                 forgotten.copies, forgotten.installations)
        return forgotten

    def _checkpoint(self, *, patient: bool) -> bool:
        """Empty SQLite's write-ahead log of what was just removed; False (and a warning)
        when a reader held it: the hourly `purge_if_due` tries again."""
        cleared = (self.store.checkpoint(tries=20, wait=0.5) if patient
                   else self.store.checkpoint())
        if not cleared:
            log.warning("SQLite's write-ahead log still holds removed text: a reader kept it "
                        "from being emptied; idealoop tries again within the hour")
        return cleared
