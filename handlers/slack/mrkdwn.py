"""Text for Slack's mrkdwn: made unable to ping anyone or hide where a link goes, and cut
to fit a section.

Slack reads `<…>` as control sequences: `<!channel>`, `<!here>`, `<!everyone>`,
`<@U123>`, `<!subteam^S123>` notify people, and `<https://x|label>` hides a link
behind a label, as `[label](https://x)` does wherever Slack reads Markdown (a stream's
`markdown_text`). Links are first written out (`show_links`: `label (https://x)`); then
escaping `&`, `<` and `>` as Slack's formatting guide asks turns the rest into visible,
inert text. Bare words such as `@channel` do not notify when posted through the API
without `link_names`, but a zero-width joiner keeps them inert even if a client or a
later edit turns `link_names` on. A draft still being written is shown only as far as
what follows cannot change (`settled`).
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
    """Text from the LLM, made unable to ping anyone or hide where a link goes: links are
    written out (`show_links`), then Slack's markup is escaped."""
    return _BROADCAST_WORDS.sub(lambda m: f"@{_ZWJ}{m.group(1)}",
                                escape_slack(show_links(text)))


def split_for_slack(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut a long text into parts that each fit one section once neutralised.

    The cut falls at a paragraph, else a line, a sentence, a word — whichever is latest in
    the second half of what fits — else hard. Escaping lengthens text (`&` becomes five
    characters), so what must fit is the neutralised part, not the raw one. Links are
    written out first (`show_links`), so that no cut falls inside one."""
    text = show_links(text).strip()
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


# -- Links: where they go is shown, never hidden behind a label -----------------------------
#
# Slack shows `<https://x|label>` (mrkdwn) and, wherever it reads Markdown (a stream's
# `markdown_text`, `markdown` blocks), `[label](https://x)` as the label alone. A model's
# text is rewritten so that the destination is part of the text: `label (https://x)`.
# Rewriting is a superset of what Slack links: brackets are paired as a stack (balanced,
# within a paragraph), whatever sits between the parentheses is shown, and the passes run
# until nothing changes, so a link written inside another, or made by removing one, goes too.

_SLACK_LINK = re.compile(r"<([^<>\n]*)>")  # `<url|label>` and `<url>`; mentions are left
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_BLANKS = re.compile(r"[\x00-\x20\x7f]+")
_REFERENCE_DEFINITION = re.compile(r"^( {0,3})\[([^\[\]\n]+)\]:", re.MULTILINE)
_DESTINATION = re.compile(
    r"""\s*(?:<([^<>\n]*)>|(\S+))(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*""", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_DELIMITERS = {"[": re.compile(r"\n[ \t]*\n|[\[\]]"), "(": re.compile(r"\n[ \t]*\n|[()]")}
# Schemes a click must never run: the link is dropped and its label kept.
DROPPED_SCHEMES = frozenset({"javascript", "vbscript", "data", "file"})
_ADDRESS_SCHEMES = ("mailto:", "tel:")
_NESTING = 20  # links inside links rewritten in one pass


def _scheme(url: str) -> str | None:
    """The scheme of `url` as a browser reads it (blanks and control characters inside
    `java\tscript:` are ignored), lower-cased; None when it has none."""
    found = _SCHEME.match(_BLANKS.sub("", url[:256]).lower())
    return found.group(1) if found else None


def _shown(label: str, url: str) -> str:
    """`label (url)`, or the one of them that says it all."""
    label, url = label.strip(), url.strip()
    if _scheme(url) in DROPPED_SCHEMES:
        return label
    if not url:
        return label
    bare = re.sub(r"^https?://", "", url, flags=re.IGNORECASE).rstrip("/")
    if not label or label in (url, bare, bare + "/"):
        return url
    if url.lower().startswith(_ADDRESS_SCHEMES) and label == url.split(":", 1)[1]:
        return label  # `<mailto:a@b.c|a@b.c>`: the address is the label
    return f"{label} ({url})"


def _slack_link(found: re.Match[str]) -> str:
    inside = found.group(1)
    if inside[:1] in ("@", "#", "!"):
        return found.group(0)  # a mention or a command: escaping makes it inert text
    url, bar, label = inside.partition("|")
    if bar:
        return _shown(label, url)
    if _scheme(url) is None:
        return found.group(0)  # `<div>` and the like: not a link, shown escaped
    return url  # `<https://x>`: the URL itself (a `javascript:` one as inert text)


def _pairs(text: str, opening: str, closing: str) -> dict[int, int]:
    """Where each `opening` is closed, paired as a stack; a blank line closes nothing and
    forgets what was open (links do not cross paragraphs)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for found in _DELIMITERS[opening].finditer(text):
        char = found.group()
        if char == opening:
            stack.append(found.start())
        elif char == closing:
            if stack:
                pairs[stack.pop()] = found.start()
        else:
            stack.clear()
    return pairs


def _markdown_links(text: str, depth: int = 0) -> str:
    """Every `[label](…)` and `![alt](…)` as `label (url)`; labels are rewritten too (past
    a depth of nesting, by the next pass of `show_links`)."""
    brackets = _pairs(text, "[", "]")
    parens = _pairs(text, "(", ")")
    out: list[str] = []
    done = 0  # text before this is in `out`
    for start in sorted(brackets):
        close = brackets[start]
        if start < done or close + 1 not in parens:
            continue  # inside a link already written out, or not a link
        end = parens[close + 1]
        head = text[done:start]
        out.append(head.removesuffix("!"))  # an image: its alt text and where it points
        label = text[start + 1:close]
        if depth < _NESTING and "[" in label:
            label = _markdown_links(label, depth + 1)
        out.append(_shown(label, _destination(text[close + 2:end])))
        done = end + 1
    out.append(text[done:])
    return "".join(out)


def _destination(inside: str) -> str:
    """The URL of a Markdown link's `(…)`; everything in it when it is not one URL and a
    title."""
    found = _DESTINATION.fullmatch(inside)
    if found is None:
        return " ".join(inside.split())
    return found.group(1) if found.group(1) is not None else found.group(2)


def show_links(text: str) -> str:
    """`text` with every link's destination written out: Markdown `[label](url)` and
    mrkdwn `<url|label>` become `label (url)`, `<url>` becomes `url`, a label that is the
    URL is shown once, a `javascript:`/`data:`/`vbscript:`/`file:` link keeps only its
    label, and a line-start reference definition `[ref]: url` loses its brackets (so no
    `[label][ref]` can point through it). Mentions are left for `escape_slack`."""
    if "[" not in text and "<" not in text:
        return text  # most text: nothing to do
    for _ in range(len(text) + 1):  # each pass that changes removes a `[` or a `<`
        rewritten = _SLACK_LINK.sub(_slack_link, text)
        rewritten = _REFERENCE_DEFINITION.sub(r"\1\2:", rewritten)
        rewritten = _markdown_links(rewritten)
        if rewritten == text or ("[" not in rewritten and "<" not in rewritten):
            return rewritten
        text = rewritten
    return text


_PARTIAL_BROADCAST = re.compile(r"@([A-Za-z]*)\Z")


def settled(text: str) -> str:
    """The longest head of `text` (a draft still being written) that what comes next
    cannot change once neutralised: it ends before a link that may still be open — an
    unclosed `[` or `<`, a `]` that may yet be followed by `(`, a `](` not yet closed —
    and before an `@` word that may yet become `@channel`. A stream appends only this, so
    a link cut between two pieces is sent once, whole and written out."""
    start = max((m.end() for m in _BLANK_LINE.finditer(text)), default=0)
    paragraph = text[start:]
    hold = len(paragraph)
    brackets = _pairs(paragraph, "[", "]")
    parens = _pairs(paragraph, "(", ")")
    opened = [m.start() for m in re.finditer(r"\[", paragraph) if m.start() not in brackets]
    if opened:
        hold = opened[0]
    for at, close in brackets.items():
        after = paragraph[close + 1:close + 2]
        if after in ("", "<", "[") or (after == "(" and close + 1 not in parens):
            hold = min(hold, at)
    angle = paragraph.rfind("<")
    if angle >= 0 and not any(c in paragraph[angle + 1:] for c in "<>\n"):
        hold = min(hold, angle)
    if hold > 0 and paragraph[hold - 1:hold] == "!" and paragraph[hold:hold + 1] == "[":
        hold -= 1
    word = _PARTIAL_BROADCAST.search(paragraph[:hold])
    if word and any(name.startswith(word.group(1).lower())
                    for name in ("channel", "here", "everyone")):
        hold = word.start()
    return text[:start + hold]
