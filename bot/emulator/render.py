"""Slack messages as terminal text: mrkdwn and Block Kit flattened, optional ANSI colour."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

EMOJI = {
    "+1": "👍", "-1": "👎", "thumbsup": "👍", "thumbsdown": "👎", "bulb": "💡",
    "robot_face": "🤖", "warning": "⚠️", "hourglass_flowing_sand": "⏳", "thread": "🧵",
    "black_square_for_stop": "⏹️", "lock": "🔒",
    "compass": "🧭", "mag": "🔍", "information_source": "ℹ️",
    "trophy": "🏆", "fire": "🔥", "x": "❌", "heart": "❤️", "star": "⭐", "tada": "🎉",
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "raised_hands": "🙌", "100": "💯",
    "no_entry_sign": "🚫", "eyes": "👀", "construction": "🚧", "memo": "📝", "sparkles": "✨",
    "calendar": "📅", "thinking_face": "🤔", "bar_chart": "📊", "scissors": "✂️",
    "alarm_clock": "⏰", "wastebasket": "🗑️", "zzz": "💤",
}

_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<((?:https?|mailto):[^>]+)>")
_EMOJI = re.compile(r":([a-z0-9_+\-']+):")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")


class Style:
    """ANSI styles when `enabled`, plain text otherwise (pipes, NO_COLOR)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)


def emoji(name: str) -> str:
    base = name.split("::", 1)[0]
    return EMOJI.get(base, f":{name}:")


def mrkdwn(text: str, style: Style, user_name: Callable[[str], str]) -> str:
    """Slack mrkdwn → terminal text: mentions as @name and #name (`user_name` names both
    kinds of id), links, emoji, *bold*, entities."""
    text = _USER.sub(lambda m: style.cyan("@" + user_name(m.group(1))), text)
    text = _CHANNEL.sub(lambda m: style.cyan("#" + (m.group(2) or user_name(m.group(1)))),
                        text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _EMOJI.sub(lambda m: emoji(m.group(1)), text)
    text = _BOLD.sub(lambda m: style.bold(m.group(1)), text)
    text = _ITALIC.sub(lambda m: m.group(1), text)
    text = _CODE.sub(lambda m: style.cyan(m.group(1)), text)
    return html.unescape(text).replace("\u200d", "")


def message_lines(message: dict[str, Any], style: Style,
                  user_name: Callable[[str], str]) -> list[str]:
    """The visible lines of a message: its blocks if it has them, else its text."""
    lines: list[str] = []
    for block in message.get("blocks") or []:
        kind = block.get("type")
        if kind == "section" and block.get("text"):
            lines += mrkdwn(block["text"].get("text", ""), style, user_name).splitlines()
        elif kind == "context":
            for element in block.get("elements", []):
                if element.get("text"):
                    lines += [style.dim(line) for line in
                              mrkdwn(element["text"], style, user_name).splitlines()]
        elif kind == "header" and block.get("text"):
            lines.append(style.bold(block["text"].get("text", "")))
        elif kind == "divider":
            lines.append(style.dim("─" * 20))
        elif kind in ("actions", "context_actions"):
            labels = [label for element in block.get("elements", [])
                      for label in button_labels(element)]
            lines.append(style.dim("  ".join(f"[{mrkdwn(label, style, user_name)}]"
                                             for label in labels)))
    if not lines:
        lines = mrkdwn(message.get("text") or "", style, user_name).splitlines() or [""]
    return lines


def button_labels(element: dict[str, Any]) -> list[str]:
    """What a button element shows: its text, or both of feedback buttons' texts."""
    if element.get("type") == "feedback_buttons":
        return [element[side]["text"]["text"]
                for side in ("positive_button", "negative_button")]
    text = (element.get("text") or {}).get("text")
    return [text] if text else []


def reactions_line(message: dict[str, Any]) -> str:
    parts = [f"{emoji(r['name'])} {r.get('count', len(r.get('users', [])))}"
             for r in message.get("reactions") or []]
    return "  ".join(parts)
