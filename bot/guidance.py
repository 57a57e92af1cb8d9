"""A channel's standing guidance to the AI (`/brainstorm guide <text>|off`): audience, tone,
constraints, things to avoid. Slack-free.

Guidance is the one piece of people's text that is meant as instructions, so it has its
own fenced section in every prompt of the channel (`bot.llm.prompts`), named as such;
thread text stays data. It is short on purpose: a standing instruction, not a document.
"""

from __future__ import annotations

from bot.errors import BadInput

GUIDE_MAX_CHARS = 600


def clean_guidance(text: str) -> str:
    """The guidance as one line, or BadInput saying what to do instead."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise BadInput("Say what the AI should keep in mind here, e.g. `/brainstorm guide "
                       "Our audience is new customers; keep it under 100 words; no jargon.`")
    if len(cleaned) > GUIDE_MAX_CHARS:
        raise BadInput(f"That guidance is {len(cleaned)} characters; please keep it under "
                       f"{GUIDE_MAX_CHARS}: a few standing rules, not a document.")
    return cleaned
