"""A decision announced once in its item's thread, naming who decided and who owns it.

The handler queues it as durable work when the decision is stored; the scheduler tick
(`queue_unannounced`) queues any decision still unannounced a while later (its work was
lost: a crash, the database away just after the decision was stored), under the same
key, so it is accepted once. The run finds a message an earlier attempt posted (by its
metadata, in the thread) before posting, and records it on the decision. A decision
stored without its owner's time zone (Slack did not answer within the second its modal
allows) has it asked again once announced, so the reminder still comes at 09:00 where
the owner lives.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.decisions import (
    NOT_ANNOUNCED,
    NOTICE_WORK,
    PLANNED,
    Decisions,
    StoredDecision,
    notice_key,
)
from bot.work.chat import NoticeChat
from bot.work.queue import Work, WorkItem
from bot.work.runs.once import DecisionPost

log = logging.getLogger(__name__)


def queue_notice(work: Work, decision: StoredDecision) -> WorkItem | None:
    """The work that announces `decision`; None when it was queued before."""
    return work.schedule(NOTICE_WORK, team=decision.team, delivery_key=notice_key(decision),
                         channel=decision.channel, user=decision.decider,
                         request={"decision": decision.id})


def queue_unannounced(decisions: Decisions, work: Work,
                      now: datetime | None = None) -> list[WorkItem]:
    """Queue the announcement of each decision still unannounced; the work this process
    holds now (to run soon)."""
    return [item for decision in decisions.unannounced(now)
            if (item := queue_notice(work, decision)) is not None]


def notice_over(decisions: Decisions, item: WorkItem) -> None:
    """The decision cannot be announced (its thread is gone, idealoop was uninstalled
    from the workspace, the run was given up): recorded as `NOT_ANNOUNCED`, so the sweep
    does not take it again — decisions nobody can announce must not fill its batch and
    starve the others."""
    decisions.announced(int(item.request["decision"]), NOT_ANNOUNCED)



class NoticeRunner(DecisionPost[str]):
    what = "the announcement"

    def __init__(self, work: Work, decisions: Decisions, chat: NoticeChat) -> None:
        super().__init__(work, decisions, chat)
        self.zones = chat

    def run(self, item: WorkItem, last: bool) -> str | None:
        said = super().run(item, last)
        decision = self.decisions.get(int(item.request["decision"]))
        if decision is not None and decision.status == PLANNED and decision.owner_tz is None:
            self.decisions.zone_found(decision, self.zones.owner_zone(decision.owner))
        return said

    def due(self, item: WorkItem) -> StoredDecision | None:
        decision = self.decisions.get(int(item.request["decision"]))
        return decision if decision is not None and decision.announced_ts is None else None

    def record(self, item: WorkItem, decision: StoredDecision, posted: str | None) -> None:
        self.decisions.announced(decision.id, NOT_ANNOUNCED if posted is None else posted)

    def over(self, item: WorkItem) -> None:
        notice_over(self.decisions, item)
