"""Slack Web API errors, said in words a Slack user can act on."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

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
}


def describe_slack_error(exc: SlackApiError) -> str:
    response = getattr(exc, "response", None)
    code = str(response.get("error") or "") if response is not None else ""
    return _MESSAGES.get(code, "Slack refused my message"
                         + (f" (`{code}`)" if code else "") + ". Please try again.")
