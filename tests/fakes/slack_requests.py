"""Signed Slack requests for tests: the emulator's implementation, so there is only one."""

from bot.emulator.slack_requests import (
    Reply,
    SlackSender,
    command_body,
    event_body,
    post,
    reaction_event,
    signature_headers,
)

__all__ = [
    "Reply", "SlackSender", "command_body", "event_body", "post", "reaction_event",
    "signature_headers",
]
