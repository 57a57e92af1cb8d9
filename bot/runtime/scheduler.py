"""The clock of `idealoop serve`: every minute an APScheduler tick posts due digests and
hands to durable work decisions' reminders that came due, announcements that were lost
and idea boards behind what they would show (`bot.app.remind_due`); every hour it
forgets finished work and offers to run the day's retention purge
(which runs once a day across replicas: `bot.privacy`).

APScheduler only wakes the process up (in memory, one job store per process, as its FAQ
asks); what makes a digest happen exactly once is the claim in the database
(`bot.digests.Digests.claim`), so any number of `serve` processes and a manual
`idealoop digest` can run at the same moment; likewise a reminder is sent once because
its work is accepted under a key of the decision and its date
(`bot.work.runs.reminder.queue_due_reminders`). The jobs are passed in as plain callables:
the tick knows when, not how.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from storage.base import Clock, utcnow

log = logging.getLogger(__name__)
TICK_SECONDS = 60
# Finished work is forgotten after a day: its key only has to outlive Slack's last
# re-delivery (about 5 minutes after the first); what the work made is kept.
WORK_MEMORY = timedelta(days=1)


def start_scheduler(post_due_digests: Callable[[datetime], object],
                    prune_finished_work: Callable[[timedelta], int],
                    purge_old_texts: Callable[[], object] = lambda: None,
                    clock: Clock = utcnow,
                    remind_due: Callable[[datetime], object] = lambda now: None) \
        -> BackgroundScheduler:
    """A background scheduler that checks for due digests every minute, and once an hour
    forgets finished work older than a day and offers to run the retention purge."""

    def tick() -> None:
        try:
            post_due_digests(clock())
        except Exception:  # one bad tick must not stop the next ones
            log.exception("digest tick failed")
        try:
            remind_due(clock())
        except Exception as exc:  # the database may be away: the next tick tries again
            log.warning("reminder tick failed: %s", type(exc).__name__)

    def prune() -> None:
        try:
            removed = prune_finished_work(WORK_MEMORY)
            log.debug("forgot %d pieces of finished work", removed)
        except Exception as exc:
            log.warning("forgetting finished work failed: %s", type(exc).__name__)
        try:
            purge_old_texts()
        except Exception as exc:  # the claim was given back: tried again within the hour
            log.warning("the retention purge failed: %s", type(exc).__name__)

    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(tick, IntervalTrigger(seconds=TICK_SECONDS), id="digests",
                      coalesce=True, max_instances=1, misfire_grace_time=TICK_SECONDS,
                      next_run_time=datetime.now(UTC))
    scheduler.add_job(prune, IntervalTrigger(hours=1), id="forget-finished-work", coalesce=True,
                      max_instances=1, next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler
