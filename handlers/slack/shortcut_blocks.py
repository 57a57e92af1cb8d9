"""Block Kit for the message shortcuts ("Get feedback on this", "Polish this",
"Brainstorm from this"): the privately shown polished text with its [Post in thread]
button, and that text once posted in the thread, naming who asked (by name, not a
mention: nobody is pinged)."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.slack_values import is_ts
from handlers.slack import blocks

Blocks = list[dict[str, Any]]
POST_IN_THREAD_ACTION = "idealoop_post_in_thread"  # value: see `post_value`
PRIVATELY = "Only you see this."


def post_value(draft_ts: str, thread_ts: str) -> str:
    """What the [Post in thread] button carries: the polished text's key (the private
    message it was saved under) and the thread to post it in."""
    return json.dumps({"ts": draft_ts, "thread": thread_ts}, separators=(",", ":"))


def parse_post_value(value: object) -> tuple[str, str] | None:
    """The (draft ts, thread ts) a [Post in thread] button carries; None when the value
    is not one idealoop wrote."""
    try:
        parsed = json.loads(str(value))
        draft_ts, thread_ts = parsed["ts"], parsed["thread"]
    except (ValueError, KeyError, TypeError):
        return None
    return (draft_ts, thread_ts) if is_ts(draft_ts) and is_ts(thread_ts) else None


def private_part(text: str, model: str, *, offline: bool, part: tuple[int, int],
                 sources: str | None, post: str | None) -> tuple[str, Blocks]:
    """One part of a polished text shown only to the person who asked; the last part
    carries the [Post in thread] button (`post`: its value)."""
    fallback, shown = blocks.draft(text, model, offline=offline, state="done", part=part,
                                   label="polish", sources=sources)
    # no feedback buttons (nobody can react to a private message) and no "Decide…":
    # nobody can decide on an ephemeral (`blocks.DECIDE_ACTION` needs a message in the
    # channel); both come back on the posted one
    shown = [block for block in shown if block.get("type") != "context_actions"
             and not _has_action(block, blocks.DECIDE_ACTION)]
    shown.append({"type": "context", "elements": [{"type": "mrkdwn",
                                                     "text": f":lock: {PRIVATELY}"}]})
    if post is not None:
        shown.append(ActionsBlock(elements=[ButtonElement(
            text="Post in thread", action_id=POST_IN_THREAD_ACTION, value=post,
            style="primary")]).to_dict())
    return fallback, shown


def _has_action(block: dict[str, Any], action_id: str) -> bool:
    return block.get("type") == "actions" and any(
        element.get("action_id") == action_id for element in block.get("elements", []))


def private_note(text: str) -> str:
    return f"{text} _({PRIVATELY})_"


def posted_polish(text: str, model: str, *, offline: bool, asker: str,
                  part: tuple[int, int] = (1, 1)) -> tuple[str, Blocks]:
    """One part of the polished text posted in the thread by the bot, saying who asked
    for it (the first part carries its buttons)."""
    return blocks.draft(text, model, offline=offline, state="done", label="polish",
                        part=part, sources=f"posted at {asker}'s request")  # neutralised
