"""A channel's standing guidance to the AI (`/brainstorm guide <text>|off`): audience, tone,
constraints, things to avoid. Slack-free.

Guidance is the one piece of people's text that is meant as instructions, so it has its
own fenced section in every prompt of the channel (`bot.llm.prompts`), named as such;
thread text stays data. It is short on purpose: a standing instruction, not a document.
"""

from __future__ import annotations

from bot.errors import BadInput
from storage.steering import Guidance, SteeringStore

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


class StandingGuidance:
    """The one place a channel's guidance is read and changed, whether from
    `/brainstorm guide` or the App Home's modal: both clean it the same way."""

    def __init__(self, steering: SteeringStore) -> None:
        self.steering = steering

    def for_team(self, team: str) -> StandingGuidance:
        """This guidance, on the channels of workspace `team`."""
        return StandingGuidance(self.steering.for_team(team))

    def of(self, channel: str) -> Guidance | None:
        """The channel's guidance, if it has one."""
        return self.steering.guidance(channel)

    def set(self, channel: str, text: str, user: str) -> str:
        """Set the channel's guidance to `text`, cleaned (BadInput if it cannot be); the
        guidance as it was kept."""
        cleaned = clean_guidance(text)
        self.steering.set_guidance(channel, cleaned, user)
        return cleaned

    def clear(self, channel: str) -> bool:
        """Remove the channel's guidance; False when it had none."""
        return self.steering.clear_guidance(channel)
