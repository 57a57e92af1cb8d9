"""Tests for making LLM text safe to post in Slack (`handlers/slack/mrkdwn.py`).

Why these cases: an LLM (or a prompt-injected topic) can write Slack control sequences
that ping a whole channel or hide a link behind a harmless label. After `neutralise`,
nothing may be read by Slack as markup, and ordinary text must read exactly as written.
"""

from __future__ import annotations

import itertools
import re

import pytest

from handlers.slack.mrkdwn import escape_slack, neutralise, show_links, split_for_slack

ZWJ = "\u200d"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here>", "&lt;!here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<!subteam^S1|x>", "&lt;!subteam^S1|x&gt;"),
        ("<https://x|label>", "label (https://x)"),  # a link is written out (see below)
        ("<#C123|general>", "&lt;#C123|general&gt;"),
        ("<!date^1700000000^{date}|x>", "&lt;!date^1700000000^{date}|x&gt;"),
    ],
)
def test_control_sequences_become_escaped_text(raw: str, expected: str) -> None:
    assert neutralise(raw) == expected


def test_control_sequence_inside_sentence() -> None:
    assert neutralise("Ping <!channel> then see <https://evil|docs>.") == (
        "Ping &lt;!channel&gt; then see docs (https://evil)."
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@channel", f"@{ZWJ}channel"),
        ("@here", f"@{ZWJ}here"),
        ("@everyone", f"@{ZWJ}everyone"),
        ("@CHANNEL", f"@{ZWJ}CHANNEL"),
        ("@Here", f"@{ZWJ}Here"),
        ("@eVeRyOnE", f"@{ZWJ}eVeRyOnE"),
        ("hey @here, look", f"hey @{ZWJ}here, look"),
        ("@here @channel", f"@{ZWJ}here @{ZWJ}channel"),
    ],
)
def test_bare_broadcast_words_get_zero_width_joiner(raw: str, expected: str) -> None:
    assert neutralise(raw) == expected


@pytest.mark.parametrize(
    "raw", ["@heretic", "@channels", "@everyones", "@alice", "here", "channel"]
)
def test_words_that_only_start_like_broadcasts_are_unchanged(raw: str) -> None:
    assert neutralise(raw) == raw


def test_broadcast_inside_escaped_markup_gets_no_extra_joiner() -> None:
    # `<!here>` has no `@`, so only escaping applies.
    assert ZWJ not in neutralise("<!here>")


def test_ampersand_escaped_once() -> None:
    assert neutralise("R&D") == "R&amp;D"
    assert neutralise("a < b & c > d") == "a &lt; b &amp; c &gt; d"


def test_existing_entities_are_shown_literally_not_decoded() -> None:
    # "&lt;!channel&gt;" from the LLM must stay visible text, not turn back into markup.
    assert neutralise("&lt;!channel&gt;") == "&amp;lt;!channel&amp;gt;"


def test_escape_slack_only_touches_three_characters() -> None:
    assert escape_slack("<&>\"'@here") == "&lt;&amp;&gt;\"'@here"


@pytest.mark.parametrize(
    "text",
    [
        "Rotate standup hosts weekly",
        "Use *bold*, _italics_ and `code` freely",
        "Cost: $5 per seat (≈ €4.60) — 100% worth it!",
        "email me at team@example.org",
        "Ünïcödé 🚀 and emoji :tada:",
        "",
        "multi\nline\ttext",
    ],
)
def test_ordinary_text_unchanged(text: str) -> None:
    assert neutralise(text) == text


_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_PIECES = ["<", ">", "&", "!", "@", "here", "channel", "<!", "|", "^", "https://x", "&lt;",
           "\n", "＜", " "]


def _tricky_strings() -> list[str]:
    out = ["".join(combo) for combo in itertools.product(_PIECES, repeat=3)]
    out += [
        "<<!channel>>",
        "<<@U1>|x>",
        "<!channel|<!here>>",
        "<https://a.b/?q=<x>&y=1|click>",
        "&<>&<>",
        "<" * 50 + ">" * 50,
    ]
    return out


def test_no_angle_brackets_survive_and_no_bare_broadcasts() -> None:
    strings = _tricky_strings()
    assert len(strings) > 3000
    for raw in strings:
        out = neutralise(raw)
        assert "<" not in out, raw
        assert ">" not in out, raw
        assert not _BROADCAST.search(out), raw
        # Every `&` in the output begins one of the three entities we wrote.
        stripped = out.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
        assert "&" not in stripped, raw
        # Nothing is lost: undoing the escaping gives back the input with its links
        # written out (`show_links`), minus the joiners.
        undone = out.replace(ZWJ, "").replace("&lt;", "<").replace("&gt;", ">")
        assert undone.replace("&amp;", "&") == show_links(raw), raw


def test_split_keeps_every_character_and_respects_the_limit() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "Sentence here. " * 40 for n in range(20))
    parts = split_for_slack(text, limit=3000)
    assert all(len(p) <= 3000 for p in parts) and len(parts) > 1
    assert "".join(parts).replace(" ", "").replace("\n", "") == \
        text.replace(" ", "").replace("\n", "")
    assert all(p.startswith("Paragraph") for p in parts)  # cut at paragraph breaks


def test_split_cuts_a_giant_word_hard() -> None:
    parts = split_for_slack("x" * 7000, limit=3000)
    assert [len(p) for p in parts] == [3000, 3000, 1000]
    assert split_for_slack("   ") == []


def test_split_measures_the_escaped_text() -> None:
    """`&` becomes `&amp;`: a part of 3,000 raw characters could overflow a section."""
    text = "R&D " * 1500  # 6,000 raw characters, 12,000 once escaped
    parts = split_for_slack(text, limit=3000)
    assert all(len(neutralise(p)) <= 3000 for p in parts)
    assert " ".join(parts).split() == text.split()
