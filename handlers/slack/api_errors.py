"""Slack Web API failures, sorted (worth retrying or not) and said in words a person can act on.

A call to Slack can fail with an answer (`SlackApiError`: `not_in_channel`, a 5xx or 429
that outlasted the client's retries) or without one (the connection failed: `OSError`,
an HTTP protocol error). Some failures are permanent for that request (the bot is not in
the channel, the channel is archived, the message is gone): retrying them posts nothing
and costs a Slack call each time. The rest may pass: the work is tried again later.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import ChatError, ChatRefused, ChatUnavailable

log = logging.getLogger(__name__)

# Everything a Web API call can raise when Slack (or the way to it) fails.
SLACK_FAILURES: tuple[type[Exception], ...] = (SlackClientError, OSError,
                                               http.client.HTTPException)

_MESSAGES = {
    "not_in_channel": "I'm not in this channel yet. Invite me with `/invite @idealoop` "
                      "and try again.",
    "channel_not_found": "I can't see this channel. Invite me with `/invite @idealoop` "
                         "and try again.",
    "is_archived": "This channel is archived, so I can't post here.",
    "ratelimited": "Slack is rate-limiting me right now. Please try again in a minute.",
    "msg_too_long": "That message was too long for Slack.",
    "invalid_auth": "My Slack credentials are not valid. Ask whoever runs idealoop to check "
                    "SLACK_BOT_TOKEN.",
    "message_not_found": "The message I was working in is gone.",
    "user_not_in_channel": "You're not a member of that channel, so Slack won't let me "
                           "show you anything there. Join it, then use the shortcut "
                           "again.",
}
_PERMANENT = {"not_in_channel", "channel_not_found", "is_archived", "msg_too_long",
              "invalid_auth", "account_inactive", "token_revoked", "not_authed",
              "message_not_found", "cant_update_message", "restricted_action",
              "invalid_blocks", "no_permission", "missing_scope", "thread_not_found",
              # conversations.open: nobody to write to (a reminder's owner who left)
              "user_not_found", "user_disabled", "cannot_dm_bot",
              # chat.postEphemeral to someone not in the channel (they left, or preview it)
              "user_not_in_channel"}


def error_code(exc: BaseException) -> str:
    """Slack's error code for a refused call; "" when Slack did not answer."""
    response = getattr(exc, "response", None) if isinstance(exc, SlackApiError) else None
    if response is None:
        return ""
    return str(response.get("error") or "")


def failure_name(exc: BaseException) -> str:
    """Slack's error code, or the kind of failure when Slack did not answer (for logs)."""
    return error_code(exc) or type(exc).__name__


# Answers that say Slack is busy or failing for a moment, not that it refuses.
BUSY = {"ratelimited", "internal_error", "fatal_error", "request_timeout",
        "service_unavailable"}


def is_refusal(exc: BaseException) -> bool:
    """True when Slack answered and said no (any code but a busy one): for calls that
    may be unsupported where they are made, such as `chat.startStream`."""
    code = error_code(exc)
    return bool(code) and code not in BUSY


def is_permanent(exc: BaseException) -> bool:
    """True when trying the same call again cannot succeed."""
    return error_code(exc) in _PERMANENT


def describe_slack_error(exc: BaseException) -> str:
    """What to tell the person about a failed Slack call."""
    if not isinstance(exc, SlackApiError):
        return "I can't reach Slack right now. Please try again in a few minutes."
    code = error_code(exc)
    return _MESSAGES.get(code, "Slack refused my message"
                         + (f" (`{code}`)" if code else "") + ". Please try again.")


# Permanent failures that mean the message or its channel is not there any more.
_GONE = {"message_not_found", "channel_not_found", "is_archived", "cant_update_message",
         "thread_not_found"}
# Permanent failures that hold for a whole channel, and for the whole app (its token).
_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action",
            "no_permission"}
_APP = {"invalid_auth", "account_inactive", "token_revoked", "not_authed", "missing_scope"}


def chat_error(exc: BaseException) -> ChatError:
    """A failed Slack call as the runs see it (`bot.work.runs`): refused for good, or may pass,
    with what to tell the person."""
    if not is_permanent(exc):
        return ChatUnavailable(failure_name(exc), user_message=describe_slack_error(exc))
    code = error_code(exc)
    about = "channel" if code in _CHANNEL else "app" if code in _APP else "message"
    return ChatRefused(failure_name(exc), user_message=describe_slack_error(exc),
                       gone=code in _GONE, about=about)


@contextmanager
def slack_call(what: str) -> Iterator[None]:
    """Calls to Slack inside fail as `ChatRefused` or `ChatUnavailable`, logged as `what`."""
    try:
        yield
    except SLACK_FAILURES as exc:
        log.warning("could not %s: %s", what, failure_name(exc))
        raise chat_error(exc) from exc
