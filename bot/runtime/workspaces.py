"""The Slack Web API client of each workspace idealoop serves.

A request from Slack comes with its workspace's client (Bolt authorizes it). Work that
runs after Slack's answer — brainstorms and drafts taken over from another process,
digests — asks here instead, by the workspace it belongs to:

- with `SLACK_BOT_TOKEN` there is one workspace and one client (`OneWorkspace`);
- installed by OAuth (`SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`), each workspace's bot
  token is in slack_sdk's installation store, in idealoop's own database
  (`InstalledWorkspaces`). When the app has token rotation turned on, a token that
  expires within `ROTATE_BEFORE_MINUTES` is exchanged for a fresh one first, and the new
  one stored; requests get their token here too (`WorkspaceAuthorize`), so there is one
  exchange at a time, across replicas on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.errors import ChatRefused
from storage.base import translated
from storage.installations import Installations

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
    """Workspaces that installed idealoop through the OAuth flow. Requests (through
    `WorkspaceAuthorize`) and later work get their bot token here, so a rotating token is
    exchanged in one place, one exchange at a time (`Installations.rotating`)."""

    def __init__(self, installation_store: InstallationStore, installations: Installations,
                 *, client_id: str, make_client: Callable[[str], WebClient],
                 rotator: TokenRotator | None = None) -> None:
        self.installation_store = installation_store
        self.installations = installations
        self.client_id = client_id
        self.make_client = make_client
        self.rotator = rotator
        self._clients: OrderedDict[str, WebClient] = OrderedDict()
        self._lock = threading.Lock()

    def bot(self, team: str) -> Bot:
        """`team`'s bot, with a token that does not expire within the next two hours;
        NotInstalled when idealoop is not installed there, DatabaseUnavailable when the
        store cannot answer."""
        bot = self._find(team)
        if self.rotator is None or not self._expiring(bot):
            return bot
        with self.installations.rotating(team):
            bot = self._find(team)  # another process may have exchanged it meanwhile
            try:
                fresh = self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES)
            except SLACK_FAILURES as exc:
                log.warning("could not rotate the bot token of workspace %s: %s", team,
                            type(exc).__name__)
                return bot  # still valid for a while, or Slack says so on use
            if fresh is not None:
                with translated():
                    self.installation_store.save_bot(fresh)
                log.info("rotated the bot token of workspace %s", team)
                return fresh
        return bot

    def client_for(self, team: str) -> WebClient:
        token = str(self.bot(team).bot_token)
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = self.make_client(token)
                if len(self._clients) > CLIENTS_KEPT:
                    self._clients.popitem(last=False)
            self._clients.move_to_end(token)
        return client

    def _find(self, team: str) -> Bot:
        with translated():
            enterprise = self.installations.enterprise_of(self.client_id, team)
            bot = self.installation_store.find_bot(enterprise_id=enterprise, team_id=team)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team)
        return bot

    @staticmethod
    def _expiring(bot: Bot) -> bool:
        expires = bot.bot_token_expires_at
        if not bot.bot_refresh_token or expires is None:
            return False
        return expires - time.time() < ROTATE_BEFORE_MINUTES * 60


class WorkspaceAuthorize(Authorize):
    """Bolt's authorizer for requests when installed by OAuth: the same bot, and the same
    token exchange, as work done later (`InstalledWorkspaces.bot`)."""

    def __init__(self, workspaces: InstalledWorkspaces) -> None:  # Bolt's base keeps nothing
        self.workspaces = workspaces

    def __call__(self, *, context: BoltContext, enterprise_id: str | None,
                 team_id: str | None, user_id: str | None,
                 actor_enterprise_id: str | None = None, actor_team_id: str | None = None,
                 actor_user_id: str | None = None) -> AuthorizeResult | None:
        if not team_id:  # org-wide installs are not supported
            return None
        try:
            bot = self.workspaces.bot(team_id)
        except NotInstalled:
            log.info("a request from workspace %s, where idealoop is not installed", team_id)
            return None
        return AuthorizeResult(enterprise_id=bot.enterprise_id, team_id=bot.team_id,
                               bot_user_id=bot.bot_user_id, bot_id=bot.bot_id,
                               bot_token=bot.bot_token, bot_scopes=bot.bot_scopes)
