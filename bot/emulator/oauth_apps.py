"""Installs by OAuth on the emulated Slack: one-time codes, issued bot tokens (by
workspace), refresh tokens for rotation, and revocation when the app is removed."""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

from bot.config import BOT_SCOPES
from bot.emulator.workspace import Workspace, WorkspaceError


class OAuthApps:
    """Installs by OAuth: codes, issued tokens (by workspace), refresh tokens, revocation.
    Thread-safe; tokens are opaque strings shaped like Slack's."""

    def __init__(self) -> None:
        self.client: tuple[str, str] | None = None
        self.scopes: tuple[str, ...] = BOT_SCOPES  # what an install grants
        self.rotation = False
        self.lifetime = 12 * 3600.0  # seconds a rotating token lives
        self._lock = threading.Lock()
        self._codes: dict[str, tuple[str, str]] = {}  # code -> (team, installer)
        self._tokens: dict[str, tuple[str, float | None]] = {}  # token -> (team, expires)
        self._refresh: dict[str, str] = {}  # refresh token -> team
        self._revoked: set[str] = set()
        self._count = 0

    def new_code(self, team: str, user: str) -> str:
        with self._lock:
            self._count += 1
            code = f"code-{team}-{self._count}"
            self._codes[code] = (team, user)
            return code

    def team_of(self, token: str | None) -> str | None:
        with self._lock:
            issued = self._tokens.get(token or "")
            return issued[0] if issued else None

    def why_invalid(self, token: str | None) -> str | None:
        """Why a token issued here no longer works; None while it does (and for tokens
        not issued here)."""
        with self._lock:
            if token in self._revoked:
                return "token_revoked"
            issued = self._tokens.get(token or "")
            if issued is not None and issued[1] is not None and issued[1] <= time.time():
                return "token_expired"
            return None

    def revoke(self, team: str) -> None:
        with self._lock:
            self._revoked.update(token for token, (owner, _) in self._tokens.items()
                                 if owner == team)
            for refresh, owner in list(self._refresh.items()):
                if owner == team:
                    del self._refresh[refresh]

    def expire(self, team: str) -> None:
        with self._lock:
            for token, (owner, expires) in list(self._tokens.items()):
                if owner == team and expires is not None:
                    self._tokens[token] = (owner, time.time() - 1)

    def access(self, params: dict[str, Any], headers: dict[str, str],
               workspaces: dict[str, Workspace]) -> dict[str, Any]:
        """`oauth.v2.access`: the app's credentials as HTTP Basic auth (slack_sdk's way)
        or as form fields."""
        client_id, secret = params.get("client_id"), params.get("client_secret")
        basic = next((value[6:] for key, value in headers.items()
                      if key.lower() == "authorization" and value.lower().startswith("basic ")),
                     None)
        if basic is not None:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        if self.client is None or client_id != self.client[0]:
            raise WorkspaceError("invalid_client_id")
        if secret != self.client[1]:
            raise WorkspaceError("bad_client_secret")
        with self._lock:
            installer: str | None = None
            if params.get("grant_type") == "refresh_token":
                found_team = self._refresh.pop(str(params.get("refresh_token") or ""), None)
                if found_team is None:
                    raise WorkspaceError("invalid_refresh_token")
                team = found_team
            else:
                found = self._codes.pop(str(params.get("code") or ""), None)
                if found is None:
                    raise WorkspaceError("invalid_code")
                team, installer = found
            self._count += 1
            token = f"{'xoxe.xoxb-' if self.rotation else 'xoxb-'}{team}-{self._count}"
            self._tokens[token] = (team, time.time() + self.lifetime if self.rotation
                                   else None)
            workspace = workspaces[team]
            answer: dict[str, Any] = {
                "ok": True, "access_token": token, "token_type": "bot",
                "scope": ",".join(self.scopes),
                "bot_user_id": workspace.bot_user_id, "app_id": "A0IDEALOOP",
                "team": {"id": team, "name": workspace.team_name},
                "enterprise": None, "is_enterprise_install": False,
            }
            if installer is not None:
                answer["authed_user"] = {"id": installer}
            if self.rotation:
                refresh = f"xoxe-1-{team}-{self._count}"
                self._refresh[refresh] = team
                answer.update(refresh_token=refresh, expires_in=int(self.lifetime))
            return answer
