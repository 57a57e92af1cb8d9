"""The fake Slack for tests: re-exported from the emulator so tests and the terminal
emulator exercise one implementation instead of drifting apart."""

from bot.emulator.slack_api import Call, SlackApiServer, SlackState

__all__ = ["Call", "SlackApiServer", "SlackState"]
