"""A decision's reminder, sent once: its owner gets a direct message on the due date with
[Done] [Dropped] [Snooze a week] (`bot.decisions`).

`queue_due_reminders` is called by the scheduler tick of every replica (and the shell's
`advance`): each reminder that came due becomes durable work under a key of the decision
and its date, so however many replicas see it due, one accepts it. The run is resumable
like the others: a later attempt first looks for the message an earlier one posted (by
its metadata, in the owner's DM) before posting; it confirms its lease before posting,
and records the message on the decision, after which the reminder is not due again until
it is snoozed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from bot.decisions import PLANNED, REMINDER_WORK, Decisions, StoredDecision, reminder_key
from bot.work.queue import Work, WorkItem
from bot.work.runs.once import DecisionPost

log = logging.getLogger(__name__)


def queue_due_reminders(decisions: Decisions, work: Work,
                        now: datetime | None = None) -> list[WorkItem]:
    """Accept the reminders due by `now` that no replica accepted yet; the work this
    process holds now (to run soon)."""
    accepted = []
    for decision in decisions.due_reminders(now):
        item = work.schedule(REMINDER_WORK, team=decision.team,
                             delivery_key=reminder_key(decision), channel=decision.channel,
                             user=decision.owner,
                             request={"decision": decision.id,
                                      "on": decision.remind_on.isoformat()})
        if item is not None:
            accepted.append(item)
    return accepted


def reminder_over(decisions: Decisions, item: WorkItem) -> None:
    """Nobody can be reminded this time (the owner left, idealoop was uninstalled from
    the workspace, the run was given up): this date's reminder is recorded as sent
    nowhere, so the sweep does not take it again — decisions nobody can be reminded of
    must not fill its batch and starve the others."""
    decisions.reminded(int(item.request["decision"]), date.fromisoformat(
        str(item.request["on"])), "", "")



class ReminderRunner(DecisionPost[tuple[str, str]]):
    what = "the reminder"

    def due(self, item: WorkItem) -> StoredDecision | None:
        """The decision, unless it was closed, snoozed or reminded for this date
        meanwhile."""
        on = date.fromisoformat(str(item.request["on"]))
        decision = self.decisions.get(int(item.request["decision"]))
        if decision is None or decision.status != PLANNED or decision.remind_on != on \
                or decision.reminded_on == on:
            return None
        return decision

    def record(self, item: WorkItem, decision: StoredDecision,
               posted: tuple[str, str] | None) -> None:
        """Sent, or refused for good (the owner left, the app cannot write to them):
        either way this date is over."""
        self.decisions.reminded(decision.id, decision.remind_on, *(posted or ("", "")))

    def over(self, item: WorkItem) -> None:
        reminder_over(self.decisions, item)
