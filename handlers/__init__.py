"""Slack listeners, one module per surface. `register_all` wires them into an App;
`work_runners` gives each kind of durable work its runner (`bot.runs`) with the chat
surface that shows it in Slack."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.runs import BrainstormRunner, DraftRunner
from bot.work import Runner
from handlers import actions, assistant, commands, errors, forget, home, mentions, reactions
from handlers.brainstorm_chat import SlackBrainstormChat
from handlers.draft_chat import SlackDraftChat


def register_all(app: App, deps: Deps) -> None:
    errors.register(app, deps)
    commands.register(app, deps)
    reactions.register(app, deps)
    mentions.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    assistant.register(app, deps)
    forget.register(app, deps)


def work_runners(deps: Deps, client: WebClient) -> dict[str, Runner]:
    model = deps.model
    return {
        "brainstorm": BrainstormRunner(deps.work, deps.brainstormer,
                                       SlackBrainstormChat(client, model.model)),
        "draft": DraftRunner(deps.work, deps.drafter, SlackDraftChat(
            client, model_name=model.model, offline=model.offline,
            stream_interval=deps.settings.stream_interval)),
    }
