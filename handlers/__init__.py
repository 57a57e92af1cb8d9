"""Slack listeners, one module per surface. `register_all` wires them into an App;
`work_runners` names, for each kind of durable work, the surface that carries it out."""

from __future__ import annotations

from functools import partial

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.work import Runner
from handlers import commands, errors, mentions, reactions


def register_all(app: App, deps: Deps) -> None:
    errors.register(app, deps)
    commands.register(app, deps)
    reactions.register(app, deps)
    mentions.register(app, deps)


def work_runners(deps: Deps, client: WebClient) -> dict[str, Runner]:
    return {
        "brainstorm": partial(commands.run_brainstorm, deps, client),
        "draft": partial(mentions.run_draft, deps, client),
    }
