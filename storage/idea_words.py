"""What is kept with an idea for the rejection filter, as storage sees it: values made by
the app (`bot.llm.similarity.kept_words`, under its `WORDS_VERSION`) and handed in when an
idea is written, so that the rule has one home and storage imports none of the app."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdeaWords:
    """An idea's normal form, its content words (space-separated), and the version of the
    rule that made them: words of another version are worked out again when read."""

    form: str
    words: str
    version: int
