"""The Slack Web API client of each workspace idealoop serves.

A request from Slack comes with its workspace's client (Bolt authorizes it). Work that
runs after Slack's answer — brainstorms and drafts taken over from another process,
digests — asks here instead, by the workspace it belongs to:

- with `SLACK_BOT_TOKEN` there is one workspace and one client (`OneWorkspace`);
- installed by OAuth (`SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`), each workspace's bot
  token is in slack_sdk's installation store, in idealoop's own database
  (`InstalledWorkspaces`). When the app has token rotation turned on, a token that
  expires within `ROTATE_BEFORE_MINUTES` is exchanged for a fresh one first, and the new
  one stored — the same rule Bolt applies to requests.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.errors import ChatRefused

log = logging.getLogger(__name__)
ROTATE_BEFORE_MINUTES = 120  # Bolt's default for requests
CLIENTS_KEPT = 256
SLACK_FAILURES = (SlackClientError, OSError)  # an error answer, or no answer
NOT_INSTALLED = "idealoop is not installed in this workspace (any more)."


class NotInstalled(ChatRefused):
    """idealoop is not (or no longer) installed in the workspace: nobody can be told."""

    def __init__(self, team: str) -> None:
        super().__init__(f"no installation for workspace {team}", gone=True, about="app",
                         user_message=NOT_INSTALLED)
        self.team = team


class Workspaces(Protocol):
    def client_for(self, team: str) -> WebClient:
        """The client that speaks for idealoop in workspace `team`; NotInstalled when
        there is none."""
        ...


class OneWorkspace:
    """`SLACK_BOT_TOKEN`: one workspace, one client."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def client_for(self, team: str) -> WebClient:
        return self.client


class InstalledWorkspaces:
    """Workspaces that installed idealoop through the OAuth flow."""

    def __init__(self, installation_store: InstallationStore, *,
                 make_client: Callable[[str], WebClient],
                 rotator: TokenRotator | None = None) -> None:
        self.installation_store = installation_store
        self.make_client = make_client
        self.rotator = rotator
        self._clients: OrderedDict[str, WebClient] = OrderedDict()
        self._lock = threading.Lock()
        self._rotating = threading.Lock()

    def _bot(self, team: str) -> Bot:
        bot = self.installation_store.find_bot(enterprise_id=None, team_id=team)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team)
        return bot

    def client_for(self, team: str) -> WebClient:
        with self._rotating:  # one exchange at a time: a refresh token is used once
            bot = self._bot(team)
            if self.rotator is not None and bot.bot_refresh_token:
                try:
                    fresh = self.rotator.perform_bot_token_rotation(
                        bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES)
                except SLACK_FAILURES as exc:
                    # Another process may have exchanged it first: its token is stored.
                    log.warning("could not rotate the bot token of workspace %s: %s", team,
                                type(exc).__name__)
                    fresh, bot = None, self._bot(team)
                if fresh is not None:
                    self.installation_store.save_bot(fresh)
                    log.info("rotated the bot token of workspace %s", team)
                    bot = fresh
        token = str(bot.bot_token)
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = self.make_client(token)
                if len(self._clients) > CLIENTS_KEPT:
                    self._clients.popitem(last=False)
            self._clients.move_to_end(token)
        return client
