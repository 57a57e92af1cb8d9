"""A board as a canvas: Slack's canvas markdown (`document_content`, type "markdown"),
with every text made inert.

Canvas markdown reads Markdown and Slack's own references: `![](@U123)` mentions a person
(and notifies them), `![](#C123)` a channel, `[label](https://x)` hides where a link
goes, `<!here>` and `@here` address everyone
(https://docs.slack.dev/surfaces/canvases/#formatting). The texts on a board (the AI's
ideas, the words of decisions) are people's and the model's: each is put on one line and
every Markdown punctuation mark in it is escaped with a backslash (CommonMark's
backslash escapes), so none of it can format, link or mention; `@channel`, `@here` and
`@everyone` get a zero-width joiner as in messages. People are named, not mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.boards import BoardView

MARKDOWN_MAX = 1_048_576  # conversations.canvases.create: "limited to 1 MiB"
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")
_BROADCAST_WORDS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ZWJ = "\u200d"
TITLE = "Idea board"


def inert(text: str) -> str:
    """`text` on one line, unable to format, link or mention in a canvas."""
    line = " ".join(text.split())
    return _BROADCAST_WORDS.sub(lambda m: f"@{_ZWJ}{m.group(1)}",
                                _PUNCTUATION.sub(r"\\\1", line))


def board_markdown(view: BoardView, name_of: Callable[[str], str]) -> str:
    """The canvas of a board: its ideas and its open decisions (`name_of`: a person's
    name from their id, shown without mentioning them)."""
    lines = [f"# {TITLE}", "",
             f"Kept by idealoop: this channel's top approved ideas since "
             f"{view.week_from:%A %d %B}, and its open decisions. React 👍 on an idea to "
             "move it up; *Decide…* turns one into a decision.", "",
             "## Top approved ideas this week", ""]
    lines += [f"{n}. {inert(idea.text)} — 👍 {idea.approvals}"
              for n, idea in enumerate(view.ideas, start=1)] or \
        ["No approved ideas this week yet."]
    lines += ["", "## Open decisions", ""]
    lines += [f"- {inert(d.text)} — owner {inert(name_of(d.owner))}, due "
              f"{d.due:%a %d %b %Y}" for d in view.decisions] or ["No open decisions."]
    text = "\n".join(lines) + "\n"
    return text[:MARKDOWN_MAX]
