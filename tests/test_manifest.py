"""The manifest is code: what handlers/ registers is declared, and nothing more; and it
is a manifest Slack accepts.

`register_all` is run against a recorder that stands in for the Bolt app, so the test
sees exactly which commands and events the handlers subscribe to, without reading
Bolt's internals. Scopes are derived from what the listeners need: each event's scope,
`commands` for slash commands, and the scope of every Web API method handlers/ calls.

The whole file is validated, with `jsonschema`, against the rules of Slack's published
app-manifest schema for the parts idealoop uses (tests/data/slack_manifest_rules.yml,
written from Slack's: types, required fields, lengths, counts, and no field Slack does
not know).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from slack_bolt import Assistant

import handlers
from bot.app import build_deps, close_deps
from bot.config import BOT_SCOPES, Settings
from handlers import agent, shortcuts

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "data" / "slack_manifest_rules.yml"
# Handled for Slack apps created with `assistant_view` (the assistant pane, Bolt's
# `Assistant`), which keep their own subscriptions; the manifest declares `agent_view`,
# whose DM opening is `app_home_opened` (https://docs.slack.dev/ai/migrating-to-agent-messaging).
LEGACY_EVENTS = {"assistant_thread_started", "assistant_thread_context_changed"}
EVENT_SCOPES = {
    "reaction_added": {"reactions:read"},
    "reaction_removed": {"reactions:read"},
    "app_mention": {"app_mentions:read"},
    "app_home_opened": set(),
    "app_uninstalled": set(),  # sent to every app, whatever its scopes
    "tokens_revoked": set(),
    # Bolt's Assistant: its status, title and prompts (assistant.threads.*), and the
    # pane's messages, which drafts read (conversations.replies in a DM).
    "assistant_thread_started": {"assistant:write"},
    "assistant_thread_context_changed": {"assistant:write"},
    "message.im": {"im:history"},
    # https://docs.slack.dev/reference/events/agent_session_stopped names no scope; the
    # app must be an agent (agent_view), which comes with assistant:write.
    "agent_session_stopped": {"assistant:write"},
}
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_delete": {"chat:write"},
    "chat_getPermalink": set(),
    "conversations_replies": {"channels:history", "groups:history"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "assistant_threads_setSuggestedPrompts": {"assistant:write"},
    # "Authentication token bearing the chat:write scope" (its method page).
    "agents_sessions_setStatus": {"chat:write"},
    "users_info": {"users:read"},
    # https://docs.slack.dev/reference/methods/conversations.open: a DM needs im:write.
    "conversations_open": {"im:write"},
    "reactions_add": {"reactions:write"},
    "chat_startStream": {"chat:write"},
    "chat_appendStream": {"chat:write"},
    "chat_stopStream": {"chat:write"},
    "auth_test": set(),
    "views_publish": set(),
    "views_open": set(),
    # https://docs.slack.dev/reference/methods/conversations.canvases.create and
    # …/canvases.edit: bot tokens need canvases:write.
    "conversations_canvases_create": {"canvases:write"},
    "canvases_edit": {"canvases:write"},
    # https://docs.slack.dev/reference/methods/conversations.info: channels:read (public),
    # groups:read (private); an idea board finds the canvas a lost create made.
    "conversations_info": {"channels:read", "groups:read"},
}


class Recorder:
    """Records what `register_all` subscribes to."""

    installation_store = None  # as Bolt's App with a bot token

    def __init__(self) -> None:
        self.commands: set[str] = set()
        self.events: set[str] = set()
        self.actions: set[str] = set()
        self.shortcuts: set[str] = set()

    def _record(self, bucket: set[str], name: str) -> Any:
        bucket.add(name)
        return lambda fn: fn

    def command(self, name: str) -> Any:
        return self._record(self.commands, name)

    def event(self, name: str, *args: Any, **kwargs: Any) -> Any:
        # Slack's `message` events are subscribed per kind of conversation; idealoop's
        # message listeners (handlers.agent) take direct messages only.
        return self._record(self.events, "message.im" if name == "message" else name)

    def action(self, name: str) -> Any:
        return self._record(self.actions, name)

    def shortcut(self, callback_id: str) -> Any:
        return self._record(self.shortcuts, callback_id)

    def view(self, name: str) -> Any:
        return self._record(self.actions, name)  # modal submissions are interactivity too

    def middleware(self, fn: Any) -> Any:
        return fn

    def use(self, middleware: Any) -> None:
        """Bolt's `Assistant` middleware listens to these events."""
        if isinstance(middleware, Assistant):
            self.events |= {"assistant_thread_started", "assistant_thread_context_changed",
                            "message.im"}

    def error(self, fn: Any) -> Any:
        return fn


def registered(tmp_path: Path) -> Recorder:
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path}/m.db"})
    deps = build_deps(settings)
    recorder = Recorder()
    try:
        handlers.register_all(recorder, deps)  # type: ignore[arg-type]
    finally:
        close_deps(deps)
    return recorder


def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def methods_called_by_handlers() -> set[str]:
    """Web API methods called anywhere in handlers/ (digests and the shared Slack helpers
    included). import-linter keeps Slack clients out of the rest of the app."""
    source = "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    return set(re.findall(r"client\.([a-z]+_[A-Za-z]+)\(", source))


def test_every_registered_command_and_event_is_declared_and_nothing_else(tmp_path: Path) -> None:
    rec = registered(tmp_path)
    data = manifest()
    declared_commands = {c["command"] for c in data["features"].get("slash_commands", [])}
    declared_events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert declared_commands == rec.commands
    assert rec.events >= LEGACY_EVENTS  # installs made with assistant_view keep working
    assert declared_events == rec.events - LEGACY_EVENTS
    interactive = data["settings"].get("interactivity", {}).get("is_enabled", False)
    assert interactive == bool(rec.actions or rec.shortcuts)
    assert shortcuts_out_of_step(data, rec.shortcuts) == []


def shortcuts_out_of_step(data: dict[str, Any], handled: set[str]) -> list[str]:
    """What differs between the manifest's message shortcuts and the callback ids
    handlers/ listens to: each must have the other. Slack sends a message shortcut's
    payload (`type: message_action`) with the `callback_id` its manifest entry gives
    (https://api.slack.com/reference/interaction-payloads/shortcuts)."""
    declared = data["features"].get("shortcuts", [])
    ids = {s["callback_id"] for s in declared}
    problems = [f"declared, not handled: {i}" for i in sorted(ids - handled)]
    problems += [f"handled, not declared: {i}" for i in sorted(handled - ids)]
    problems += [f"not a message shortcut: {s['callback_id']}" for s in declared
                 if s.get("type") != "message"]
    if len(ids) != len(declared):
        problems.append("a callback_id declared twice")
    return problems


def test_a_shortcut_handled_but_not_declared_or_declared_but_not_handled_fails(
        tmp_path: Path) -> None:
    handled = registered(tmp_path).shortcuts
    assert handled == set(shortcuts.SHORTCUTS)
    data = manifest()
    assert shortcuts_out_of_step(data, handled) == []
    dropped = manifest()
    lost = dropped["features"]["shortcuts"].pop()
    assert shortcuts_out_of_step(dropped, handled) == [
        f"handled, not declared: {lost['callback_id']}"]
    extra = manifest()
    extra["features"]["shortcuts"].append({"name": "Summarise", "type": "message",
                                           "callback_id": "idealoop_summarise",
                                           "description": "x"})
    assert shortcuts_out_of_step(extra, handled) == ["declared, not handled: idealoop_summarise"]
    global_one = manifest()
    global_one["features"]["shortcuts"][0]["type"] = "global"
    assert shortcuts_out_of_step(global_one, handled)


def test_what_the_feedback_shortcut_promises_is_what_slack_does() -> None:
    """The critique is a reply in the message's thread: Slack shows it to whoever follows
    the thread, as any reply, so neither the manifest nor what the person is told may
    say only they are notified; the behaviour page quotes what they are told."""
    feedback = next(s for s in manifest()["features"]["shortcuts"]
                    if s["callback_id"] == shortcuts.FEEDBACK_SHORTCUT)
    only_them = re.compile(r"only you|nobody else|no one else", re.IGNORECASE)
    said = shortcuts.STARTED["feedback"]
    assert not only_them.search(feedback["description"]) and not only_them.search(said)
    assert "people following the thread see the reply" in said
    page = Path(__file__).parents[1] / "docs" / "behaviour" / "message-shortcuts.md"
    assert said in " ".join(page.read_text().split())


def test_scopes_are_exactly_what_the_listeners_need(tmp_path: Path) -> None:
    rec = registered(tmp_path)
    methods = methods_called_by_handlers()
    unknown = methods - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes of {unknown} to METHOD_SCOPES in this test"
    needed: set[str] = {"commands"} if rec.commands else set()
    for event in rec.events - LEGACY_EVENTS:
        needed |= EVENT_SCOPES[event]
    for method in methods:
        needed |= METHOD_SCOPES[method]
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed
    assert set(BOT_SCOPES) == needed  # what an OAuth install asks for


def test_request_urls_point_at_the_events_path() -> None:
    data = manifest()
    urls = [c["url"] for c in data["features"]["slash_commands"]]
    urls.append(data["settings"]["event_subscriptions"]["request_url"])
    urls.append(data["settings"]["interactivity"]["request_url"])
    assert all(url.endswith("/slack/events") for url in urls)


def test_the_home_tab_is_on_exactly_when_a_home_is_published(tmp_path: Path) -> None:
    published = "views_publish" in methods_called_by_handlers()
    assert manifest()["features"]["app_home"]["home_tab_enabled"] is published
    assert ("app_home_opened" in registered(tmp_path).events) is published


def test_the_messages_tab_is_on_for_the_direct_messages_idealoop_sends() -> None:
    # A paused digest is told to its subscriber in the app's Messages tab.
    assert "chat_postMessage(channel=user" in (ROOT / "handlers" / "digests.py").read_text()
    app_home = manifest()["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True


def test_the_manifest_is_valid_against_slacks_published_schema() -> None:
    schema = yaml.safe_load(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(manifest())]
    assert not errors, errors


def test_the_schema_refuses_what_slack_refuses() -> None:
    """The checks the rules make on agent_view, seen failing: a description over 300
    characters, a fifth prompt, a prompt without its message, a field Slack does not
    know; and elsewhere a command without its slash, a name over 35 characters."""
    validator = jsonschema.Draft7Validator(yaml.safe_load(SCHEMA.read_text()))
    prompt = {"title": "t", "message": "m"}
    for agent_view in ({"agent_description": "x" * 301},
                       {"agent_description": "ok", "suggested_prompts": [prompt] * 5},
                       {"agent_description": "ok", "suggested_prompts": [{"title": "t"}]},
                       {"agent_description": "ok", "agent_name": "x"}):
        data = manifest()
        data["features"]["agent_view"] = agent_view
        assert list(validator.iter_errors(data)), agent_view
    data = manifest()
    data["features"]["slash_commands"][0]["command"] = "brainstorm"
    assert list(validator.iter_errors(data))
    data = manifest()
    data["display_information"]["name"] = "x" * 36
    assert list(validator.iter_errors(data))
    # a shortcut's name over 24 characters, or one without its callback_id
    data = manifest()
    data["features"]["shortcuts"][0]["name"] = "x" * 25
    assert list(validator.iter_errors(data))
    data = manifest()
    del data["features"]["shortcuts"][0]["callback_id"]
    assert list(validator.iter_errors(data))


def test_the_agent_messaging_experience_is_declared() -> None:
    """https://docs.slack.dev/ai/migrating-to-agent-messaging: `agent_view` instead of
    `assistant_view`, the DM found by `app_home_opened` (Messages tab, where people must
    be able to write), and `agent_session_stopped` for the stop button."""
    data = manifest()
    features = data["features"]
    assert "assistant_view" not in features
    view = features["agent_view"]
    assert 0 < len(view["agent_description"]) <= 300
    assert view["suggested_prompts"] == agent.PROMPTS  # the ones the DM is offered
    assert len(agent.PROMPTS) <= 4
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
    events = data["settings"]["event_subscriptions"]["bot_events"]
    assert {"agent_session_stopped", "app_home_opened", "message.im"} <= set(events)
