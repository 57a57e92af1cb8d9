"""Make text written by the LLM safe to post in Slack.

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


def escape_slack(text: str) -> str:
    """Escape the three characters Slack treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise(text: str) -> str:
    """Text from the LLM, made unable to ping anyone or smuggle links."""
    return _BROADCAST_WORDS.sub(lambda m: f"@{_ZWJ}{m.group(1)}", escape_slack(text))
