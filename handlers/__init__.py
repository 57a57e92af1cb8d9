"""Slack listeners, one module per surface. `register_all` wires them into an App."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers import commands, errors, mentions, reactions


def register_all(app: App, deps: Deps) -> None:
    errors.register(app, deps)
    commands.register(app, deps)
    reactions.register(app, deps)
    mentions.register(app, deps)
