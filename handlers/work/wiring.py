"""Accepted work wired to Slack: each kind of work's run (`bot.work.runs`, where what to
do is decided) with the chat surface that shows it (`brainstorm_chat`, `draft_chat`), on
the Slack client of the workspace it was asked in. `bot.app` hands them to the worker
(`bot.work.worker.Worker.start`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient

from bot.boards import BOARD_WORK
from bot.decisions import NOTICE_WORK, REMINDER_WORK
from bot.deps import Deps
from bot.runtime.workspaces import NOT_INSTALLED, NotInstalled, Workspaces
from bot.work.queue import Runner, WorkItem
from bot.work.runs.board import BoardRunner
from bot.work.runs.brainstorm import BrainstormRunner
from bot.work.runs.draft import DraftRunner
from bot.work.runs.notice import NoticeRunner, notice_over
from bot.work.runs.reminder import ReminderRunner, reminder_over
from handlers import agent
from handlers.work.board_chat import SlackBoardChat
from handlers.work.brainstorm_chat import SlackBrainstormChat
from handlers.work.draft_chat import SlackDraftChat
from handlers.work.notice_chat import SlackNoticeChat
from handlers.work.private_draft_chat import PRIVATE_DRAFT, SlackPrivateDraftChat
from handlers.work.reminder_chat import SlackReminderChat

log = logging.getLogger(__name__)


def work_runners(deps: Deps, workspaces: Workspaces) -> dict[str, Runner]:
    """A runner per kind of work; each runs an item with its own workspace's parts and
    Slack client."""
    model = deps.model

    def brainstorm(team: str, client: WebClient) -> Runner:
        return BrainstormRunner(deps.work, deps.for_team(team).brainstormer,
                                SlackBrainstormChat(client, model.model))

    def draft(team: str, client: WebClient) -> Runner:
        return DraftRunner(deps.work, deps.for_team(team).drafter, SlackDraftChat(
            client, model_name=model.model, offline=model.offline,
            stream_interval=deps.settings.stream_interval))

    def private_draft(team: str, client: WebClient) -> Runner:
        return DraftRunner(deps.work, deps.for_team(team).drafter, SlackPrivateDraftChat(
            client, model_name=model.model, offline=model.offline))

    def reminder(team: str, client: WebClient) -> Runner:
        return ReminderRunner(deps.work, deps.for_team(team).decisions,
                              SlackReminderChat(client))

    def notice(team: str, client: WebClient) -> Runner:
        return NoticeRunner(deps.work, deps.for_team(team).decisions, SlackNoticeChat(client))

    def board(team: str, client: WebClient) -> Runner:
        return BoardRunner(deps.work, deps.for_team(team).boards, SlackBoardChat(client))

    def reminder_gone(team: str, item: WorkItem) -> None:
        reminder_over(deps.for_team(team).decisions, item)

    def notice_gone(team: str, item: WorkItem) -> None:
        notice_over(deps.for_team(team).decisions, item)

    return {"brainstorm": InWorkspace(workspaces, brainstorm),
            "draft": InWorkspace(workspaces, draft),
            PRIVATE_DRAFT: InWorkspace(workspaces, private_draft),
            REMINDER_WORK: InWorkspace(workspaces, reminder, gone=reminder_gone),
            NOTICE_WORK: InWorkspace(workspaces, notice, gone=notice_gone),
            BOARD_WORK: InWorkspace(workspaces, board)}


class InWorkspace:
    """Runs each piece of work with the runner of the workspace it was asked in (kept
    while that workspace's client is the same: its chat surface remembers what Slack
    refused there). Work of a workspace that uninstalled idealoop since ends at once:
    nobody can be told; `gone` records what must not be tried again (a decision's
    reminder or announcement, which the scheduler's sweeps would otherwise take for
    ever)."""

    def __init__(self, workspaces: Workspaces,
                 build: Callable[[str, WebClient], Runner], *,
                 gone: Callable[[str, WorkItem], None] | None = None) -> None:
        self.workspaces = workspaces
        self.build = build
        self.gone = gone
        self._runners: dict[str, tuple[WebClient, Runner]] = {}
        self._lock = threading.Lock()

    def _runner(self, team: str) -> Runner:
        client = self.workspaces.client_for(team)
        with self._lock:
            kept = self._runners.get(team)
            if kept is None or kept[0] is not client:
                kept = self._runners[team] = (client, self.build(team, client))
        return kept[1]

    def run(self, item: WorkItem, last: bool) -> str | None:
        try:
            runner = self._runner(item.team)
        except NotInstalled:
            log.info("%s %d: idealoop is no longer installed in %s; dropping it", item.kind,
                     item.id, item.team)
            if self.gone is not None:
                self.gone(item.team, item)  # DatabaseUnavailable: tried again later
            return NOT_INSTALLED
        outcome = runner.run(item, last)  # RetryLater, Stopped: the session stays as it is
        self._session_done(item)
        return outcome

    def settle(self, item: WorkItem, note: str) -> None:
        try:
            runner = self._runner(item.team)
        except NotInstalled:
            if self.gone is not None:
                self.gone(item.team, item)
            return
        runner.settle(item, note)
        self._session_done(item)

    def _session_done(self, item: WorkItem) -> None:
        """Work asked in an agent session is over: the session stops "processing"."""
        if not item.request.get("agent_session"):
            return
        try:
            client = self.workspaces.client_for(item.team)
        except NotInstalled:
            return
        agent.set_session_status(client, item.channel, item.thread_ts, "active")
