"""How an idea board shows in Slack: the channel's canvas, created with
`conversations.canvases.create` and replaced whole with `canvases.edit`
(`bot.work.runs.board`).

A create whose answer was lost may have made the canvas: the retry is then refused
with `channel_canvas_already_exists`, and the channel's canvas is the one
`conversations.info` names (`channel.properties.canvas.file_id`, as Slack's channel
object carries it; its reference page was not among the docs searched, so this is to
be confirmed on a real workspace). It is taken as the board's and replaced with what
the board shows. `conversations.info` needs `channels:read` (`groups:read` in a private
channel): https://docs.slack.dev/reference/methods/conversations.info.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.boards import BoardView
from bot.errors import ChatRefused, ChatUnavailable
from handlers.slack.api_errors import SLACK_FAILURES, error_code, failure_name
from handlers.slack.canvas import TITLE, board_markdown
from handlers.slack.lookups import UserNames

log = logging.getLogger(__name__)

# Refusals that hold until a person acts (the methods' pages list them):
# https://docs.slack.dev/reference/methods/conversations.canvases.create,
# https://docs.slack.dev/reference/methods/canvases.edit
REFUSED = {
    "channel_canvas_already_exists": "This channel already has a canvas of its own; "
                                     "idealoop does not replace it.",
    "free_team_canvas_tab_already_exists": "This channel already has a canvas of its own; "
                                           "idealoop does not replace it.",
    "team_tier_cannot_create_channel_canvases": "This workspace's plan has no channel "
                                                "canvases.",
    "canvas_disabled_user_team": "Canvases are turned off in this workspace.",
    "restricted_action": "Slack does not let idealoop make or change this channel's canvas.",
    "missing_scope": "idealoop lacks the canvases:write scope; ask whoever runs it to "
                     "reinstall it.",
    "not_in_channel": "I'm not in this channel yet. Invite me with `/invite @idealoop`.",
    "channel_not_found": "I can't see this channel. Invite me with `/invite @idealoop`.",
    "is_archived": "This channel is archived.",
}
GONE = {"canvas_not_found"}
HAS_ONE = "channel_canvas_already_exists"  # the canvas was deleted: a new one is made


class SlackBoardChat:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.names = UserNames(client)

    def create(self, channel: str, view: BoardView, *, sent_before: bool = False) -> str:
        content = {"type": "markdown", "markdown": board_markdown(view, self.names)}
        try:
            made = self.client.conversations_canvases_create(
                channel_id=channel, title=TITLE, document_content=content)
        except SLACK_FAILURES as exc:
            failure = _failure("create a board's canvas", exc)
            made_before = self._made_before(channel) if sent_before and isinstance(
                exc, SlackApiError) and error_code(exc) == HAS_ONE else None
            if made_before is None:
                raise failure from exc
            log.info("the board of %s takes the canvas its lost create made", channel)
            self.edit(made_before, view)
            return made_before
        return str(made["canvas_id"])

    def _made_before(self, channel: str) -> str | None:
        """The channel's canvas, as `conversations.info` names it; None when it names
        none, or the token lacks `channels:read` (installed before the manifest asked for
        it: the board is then refused as a channel with a canvas of its own)."""
        try:
            info = self.client.conversations_info(channel=channel)["channel"] or {}
        except SLACK_FAILURES as exc:
            if isinstance(exc, SlackApiError) and error_code(exc) == "missing_scope":
                log.warning("could not find the canvas of %s: missing_scope", channel)
                return None
            raise _failure("find a channel's canvas", exc) from exc
        canvas_id = ((info.get("properties") or {}).get("canvas") or {}).get("file_id")
        return canvas_id if isinstance(canvas_id, str) and canvas_id else None

    def edit(self, canvas_id: str, view: BoardView) -> None:
        content = {"type": "markdown", "markdown": board_markdown(view, self.names)}
        try:
            self.client.canvases_edit(canvas_id=canvas_id, changes=[
                {"operation": "replace", "document_content": content}])
        except SLACK_FAILURES as exc:
            raise _failure("edit a board's canvas", exc) from exc


def _failure(what: str, exc: Exception) -> ChatRefused | ChatUnavailable:
    log.warning("could not %s: %s", what, failure_name(exc))
    code = error_code(exc) if isinstance(exc, SlackApiError) else ""
    if code in GONE:
        return ChatRefused(code, gone=True)
    if code in REFUSED:
        return ChatRefused(code, user_message=REFUSED[code], about="channel")
    return ChatUnavailable(failure_name(exc),
                           user_message="Slack could not update the idea board just now.")
