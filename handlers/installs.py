"""Installs and uninstalls: what happens around the OAuth flow and its undoing.

- A workspace that installs idealoop (Bolt's OAuth flow stores its tokens in the
  installation store) gets back the digest schedules an earlier uninstall paused, from
  now on.
- `app_uninstalled`, or `tokens_revoked` for the bot: that workspace's tokens are removed
  from the installation store (OAuth mode) and its digest schedules are paused, so no
  process keeps trying to post there. Its ideas, drafts and signals stay (`idealoop
  forget` and retention govern those); installing again picks up where it left off.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.response import BoltResponse

from bot.deps import Deps
from bot.digests import UNINSTALLED
from bot.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    revocation = (TokenRevocationListeners(app.installation_store)
                  if app.installation_store is not None else None)

    def uninstalled(context: BoltContext) -> None:
        if revocation is not None:
            revocation.handle_app_uninstalled_events(context)
        _stop_schedules(deps, context.team_id)

    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        if revocation is not None:
            revocation.handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            _stop_schedules(deps, context.team_id)

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)


def _stop_schedules(deps: Deps, team: str | None) -> None:
    paused = deps.for_team(team).digests.pause_all(UNINSTALLED)
    log.info("idealoop was removed from workspace %s: its tokens are gone and %d digest "
             "schedules paused", team, paused)


def callbacks(deps: Deps) -> CallbackOptions:
    """What Bolt's OAuth flow does after Slack sends the installer back."""

    def success(args: SuccessArgs) -> BoltResponse:
        team = args.installation.team_id
        try:
            resumed = deps.for_team(team).digests.resume_all(UNINSTALLED)
        except DatabaseUnavailable as exc:  # installed all the same; schedules stay paused
            log.warning("installed in workspace %s, but its paused digests could not be "
                        "resumed: %s", team, exc)
            resumed = 0
        log.info("idealoop was installed in workspace %s (%s); %d paused digest schedules "
                 "resumed", team, args.installation.team_name, resumed)
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        log.warning("an install did not complete: %s", args.reason)
        return args.default.failure(args)

    return CallbackOptions(success=success, failure=failure)
