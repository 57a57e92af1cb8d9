"""Slack listeners, one module per surface; `register_all` wires them into an App. What
shows accepted work in Slack (its chat surfaces and runners) is in `handlers.work`."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers import (
    actions,
    agent,
    assistant,
    commands,
    decisions,
    errors,
    forget,
    home,
    installs,
    mentions,
    reactions,
    shortcuts,
)


def register_all(app: App, deps: Deps) -> None:
    errors.register(app, deps)
    commands.register(app, deps)
    reactions.register(app, deps)
    mentions.register(app, deps)
    actions.register(app, deps)
    decisions.register(app, deps)
    home.register(app, deps)
    agent.register(app, deps)
    assistant.register(app, deps)
    forget.register(app, deps)
    installs.register(app, deps)
    shortcuts.register(app, deps)
