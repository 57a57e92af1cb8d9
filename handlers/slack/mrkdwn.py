"""Text for Slack's mrkdwn: made unable to ping anyone, and cut to fit a section.

Slack reads `<…>` as control sequences: `<!channel>`, `<!here>`, `<!everyone>`,
`<@U123>`, `<!subteam^S123>` notify people, and `<https://x|label>` hides a link
behind a label. Escaping `&`, `<` and `>` as Slack's formatting guide asks turns all
of them into visible, inert text. Bare words such as `@channel` do not notify when
posted through the API without `link_names`, but a zero-width joiner keeps them
inert even if a client or a later edit turns `link_names` on.
"""

from __future__ import annotations

import re

_BROADCAST_WORDS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ZWJ = "\u200d"
SECTION_LIMIT = 3000  # characters in one Block Kit section


def escape_slack(text: str) -> str:
    """Escape the three characters Slack treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise(text: str) -> str:
    """Text from the LLM, made unable to ping anyone or smuggle links."""
    return _BROADCAST_WORDS.sub(lambda m: f"@{_ZWJ}{m.group(1)}", escape_slack(text))


def split_for_slack(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut a long text into parts that each fit one section once neutralised.

    The cut falls at a paragraph, else a line, a sentence, a word — whichever is latest in
    the second half of what fits — else hard. Escaping lengthens text (`&` becomes five
    characters), so what must fit is the neutralised part, not the raw one."""
    text = text.strip()
    parts: list[str] = []
    while len(neutralise(text)) > limit:
        cut = _best_cut(text[:_longest_fitting(text, limit)])
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _longest_fitting(text: str, limit: int) -> int:
    """The longest prefix of `text` whose neutralised form is at most `limit` characters
    (neutralising only lengthens text, so a binary search finds it)."""
    low, high = 1, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if len(neutralise(text[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _best_cut(window: str) -> int:
    for separator in ("\n\n", "\n", ". ", " "):
        at = window.rfind(separator)
        if at > len(window) // 2:
            return at + len(separator)
    return len(window)
