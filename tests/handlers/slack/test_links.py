"""Links in AI text show where they go (`show_links`, called by `neutralise`), and a
streamed draft never appends half a link (`settled`).

Why: Slack shows `<https://x|label>` (mrkdwn) and, where it reads Markdown (a stream's
`markdown_text`), `[label](https://x)` as the label alone. A model, or a prompt injected
into a thread it reads, could put any destination behind a harmless label. After
`neutralise`, no text is a link whose destination is not written out.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk import WebClient

from bot.decisions import Proposal
from bot.emulator.web_api import SlackApiServer
from bot.home import ChannelCard
from handlers.slack import blocks
from handlers.slack.mrkdwn import neutralise, settled, show_links, split_for_slack
from handlers.slack.streaming import NativeStream
from storage.brainstorms import BrainstormInputs, Steering
from storage.decisions import StoredDecision
from storage.reports import RankedItem
from storage.steering import Guidance

EVIL = "https://evil.example/x"


@pytest.mark.parametrize(("raw", "shown"), [
    # the two syntaxes, and the forms of each
    (f"[click me]({EVIL})", f"click me ({EVIL})"),
    (f"<{EVIL}|click me>", f"click me ({EVIL})"),
    (f"<{EVIL}>", EVIL),
    (f"![a cat]({EVIL}.png)", f"a cat ({EVIL}.png)"),
    (f'[docs]({EVIL} "the docs")', f"docs ({EVIL})"),
    (f"[docs]({EVIL} 'the docs')", f"docs ({EVIL})"),
    (f"[docs](<{EVIL}>)", f"docs ({EVIL})"),
    # a label that is the URL says it once
    (f"[{EVIL}]({EVIL})", EVIL),
    (f"<{EVIL}|{EVIL}>", EVIL),
    ("<http://example.com|example.com>", "http://example.com"),
    ("<https://example.com/|example.com>", "https://example.com/"),
    (f"[]({EVIL})", EVIL),
    (f"<{EVIL}|>", EVIL),
    # …and a label that looks like another URL does not pass for it
    (f"[https://good.example]({EVIL})", f"https://good.example ({EVIL})"),
    # parentheses and brackets
    ("[Foo](https://en.wikipedia.org/wiki/Foo_(bar))",
     "Foo (https://en.wikipedia.org/wiki/Foo_(bar))"),
    (f"[see [1] here]({EVIL})", f"see [1] here ({EVIL})"),
    (f"[a [b](https://one.example) c]({EVIL})", f"a b (https://one.example) c ({EVIL})"),
    (f"[![logo](https://img.example/l.png)]({EVIL})",
     f"logo (https://img.example/l.png) ({EVIL})"),
    (f"[click]({EVIL} and more words)", f"click ({EVIL} and more words)"),
    # schemes a click must never run: the label stays, the link goes
    ("[click](javascript:alert(1))", "click"),
    ("[click](JavaScript:alert(1))", "click"),
    ("[click](java\tscript:alert(1))", "click"),
    ("<javascript:alert(1)|click>", "click"),
    ("[click](data:text/html;base64,PHNjcmlwdD4=)", "click"),
    ("[click](vbscript:msgbox)", "click"),
    ("[click](file:///etc/passwd)", "click"),
    # addresses
    ("[write to us](mailto:team@example.org)", "write to us (mailto:team@example.org)"),
    ("<mailto:team@example.org|team@example.org>", "team@example.org"),
    ("[call us](tel:+14155550132)", "call us (tel:+14155550132)"),
    ("<tel:+14155550132|+14155550132>", "+14155550132"),
    # reference links: the definition loses its brackets, so the reference is text
    (f"[click me][1]\n\n[1]: {EVIL}", f"[click me][1]\n\n1: {EVIL}"),
    # a link made by writing another out is written out too
    ("[a]<https://x.example|(https://y.example)>",
     "a (https://y.example) (https://x.example)"),
    ("[a][(b)](https://c.example)", "a (b) (https://c.example)"),
    # not links: left as they are (neutralise escapes what is markup)
    ("[a](https://x.example", "[a](https://x.example"),
    ("[a]\n\n(https://x.example)", "[a]\n\n(https://x.example)"),
    ("[a] (https://x.example)", "[a] (https://x.example)"),
    ("<@U123|bob> <!channel> <#C1|general> <div>", "<@U123|bob> <!channel> <#C1|general> <div>"),
    ("a plain https://x.example URL", "a plain https://x.example URL"),
])
def test_every_link_is_written_out(raw: str, shown: str) -> None:
    assert show_links(raw) == shown


def test_neutralise_writes_links_out_and_still_escapes() -> None:
    assert neutralise(f"<!channel> read [this]({EVIL}) & <{EVIL}|that>") == (
        f"&lt;!channel&gt; read this ({EVIL}) &amp; that ({EVIL})")


def test_pathological_nesting_is_quick() -> None:
    for text in ("[" * 20_000, "[" * 5000 + "]" * 5000 + "(x)", "[a](" * 5000,
                 "[[[[x](u)](u)](u)" * 1000, "(" * 20_000 + ")" * 20_000):
        show_links(text)  # each well under a second; the suite's timeout would say


# -- properties ------------------------------------------------------------------------------

# An independent reading of what Slack could show as a link, on neutralised text: Markdown's
# inline link (labels with one level of brackets, destinations with balanced parentheses,
# a title), a line-start reference definition. Escaping already leaves no `<`.
_INLINE_LINK = re.compile(
    r"\[(?:[^\[\]\n]|\n(?![ \t]*\n)|\[[^\[\]\n]*\])*\]"
    r"\(\s*(?:[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+\"[^\"]*\")?\s*\)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
_PIECES = st.sampled_from(["[", "]", "(", ")", "<", ">", "|", "!", ":", " ", "\n", "\n\n",
                           "a", "label", EVIL, "https://x", "javascript:", "mailto:b@c.d",
                           "@", "channel", '"t"', "`", "\\", "](", f"[label]({EVIL})",
                           f"<{EVIL}|label>", f"![a]({EVIL})"])
_HOSTILE = st.lists(_PIECES, max_size=40).map("".join)


@given(_HOSTILE)
def test_no_link_survives_neutralise(text: str) -> None:
    out = neutralise(text)
    assert "<" not in out and ">" not in out
    # A link never spans a blank line: that ends the paragraph (CommonMark 0.31, 4.8
    # Paragraphs and 6.3 Links), so `[](\n\n)` is no link.
    for paragraph in re.split(r"\n[ \t]*\n", out):
        assert not _INLINE_LINK.search(paragraph), out
    assert not _DEFINITION.search(out), out


_SLACK_LINK = re.compile(r"<([^<>\n]*)\|[^<>\n]*>")


@given(_HOSTILE)
def test_no_slack_link_survives_show_links_but_mentions(text: str) -> None:
    """Before escaping, too: what is left in `<…|…>` is a mention or a command."""
    for found in _SLACK_LINK.finditer(show_links(text)):
        assert found.group(1)[:1] in ("@", "#", "!"), found.group(0)


@given(_HOSTILE)
def test_writing_links_out_is_idempotent(text: str) -> None:
    once = show_links(text)
    assert show_links(once) == once


_WORDS = st.lists(st.sampled_from(["plan", "the", "offsite", "now", "2026", "ok,", "—"]),
                  min_size=1, max_size=4).map(" ".join)
_URLS = st.builds(lambda host, path: f"https://{host}.example/{path}",
                  st.sampled_from(["evil", "docs", "a-b"]),
                  st.sampled_from(["", "x", "wiki/Foo_(bar)", "q?a=1&b=2", "p#frag"]))
_LINKS = st.one_of(
    st.builds(lambda label, url: f"[{label}]({url})", _WORDS, _URLS),
    st.builds(lambda label, url: f"<{url}|{label}>", _WORDS, _URLS),
    st.builds(lambda url: f"<{url}>", _URLS),
)
_PROSE = st.lists(st.one_of(_WORDS, _LINKS), min_size=1, max_size=8).map(" ".join)


@given(_PROSE)
def test_every_url_of_a_well_formed_link_is_shown(text: str) -> None:
    out = neutralise(text)
    for url in re.findall(r"https://[a-z-]+\.example/[^\s)|>]*(?:\(bar\))?", text):
        assert url.replace("&", "&amp;") in out, (url, out)
    assert not _INLINE_LINK.search(out)


# -- streams ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("head", "kept"), [
    (f"see [click me]({EVIL[:12]}", "see "),
    ("see [click me]", "see "),
    ("see [click", "see "),
    ("see ![logo", "see "),
    (f"see <{EVIL}|cli", "see "),
    ("tell @chan", "tell "),
    ("tell @here", "tell "),  # it may yet become `@heretic`
    (f"see [click me]({EVIL}) and", f"see [click me]({EVIL}) and"),
    ("a [1] note", "a [1] note"),
    ("para [open\n\nnext one", "para [open\n\nnext one"),  # a blank line closes nothing
])
def test_a_stream_keeps_back_what_may_still_become_a_link(head: str, kept: str) -> None:
    assert settled(head) == kept


def _appended(pieces: list[str]) -> Iterator[str]:
    """What `NativeStream.show` appends, piece by piece, as a draft grows (its rule: the
    neutralised settled head, when it extends what was sent)."""
    sent = ""
    text = ""
    for piece in pieces:
        text += piece
        safe = neutralise(settled(text))
        assert safe.startswith(sent), (sent, safe)  # never a stall, never a rewrite
        yield safe[len(sent):]
        sent = safe


@given(_PROSE, st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_a_chunked_draft_is_appended_whole_and_written_out(text: str, cuts: list[int]) -> None:
    text += " done."
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    pieces = [text[a:b] for a, b in pairwise(bounds)]
    streamed = "".join(_appended(pieces))
    assert streamed == neutralise(text)
    assert not _INLINE_LINK.search(streamed)


@given(_HOSTILE, st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_whatever_is_streamed_shows_no_hidden_link(text: str, cuts: list[int]) -> None:
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    sent = ""
    prefix = ""
    for a, b in pairwise(bounds):
        prefix += text[a:b]
        safe = neutralise(settled(prefix))
        if safe.startswith(sent):  # what NativeStream appends; otherwise it waits
            sent = safe
        assert "<" not in sent and not _INLINE_LINK.search(sent), sent


@pytest.fixture
def server() -> Iterator[SlackApiServer]:
    with SlackApiServer() as srv:
        yield srv


def test_a_link_cut_between_pieces_is_appended_once_written_out(
        server: SlackApiServer) -> None:
    client = WebClient(token="xoxb-test", base_url=server.url, timeout=5)
    root = server.state.post_message("C0GENERAL", "a question", user="U0ALICE")["ts"]
    ts = str(client.chat_startStream(channel="C0GENERAL", thread_ts=root, markdown_text="",
                                     recipient_user_id="U0ALICE",
                                     recipient_team_id="T0001")["ts"])
    native = NativeStream(client, "C0GENERAL", ts, interval=0,
                          render=lambda text: (text, []),
                          metadata={"event_type": "t", "event_payload": {}})
    draft = f"Read [click me]({EVIL}) first, then <{EVIL}|this> too."
    for end in (8, 12, 20, 30, 35, 41, 50, 60, len(draft)):
        native.show(draft[:end])
    appended = [c.params["markdown_text"] for c in server.calls_to("chat.appendStream")]
    assert "".join(appended) == f"Read click me ({EVIL}) first, then this ({EVIL}) too."
    assert not any("](" in piece or "[" in piece for piece in appended)
    assert server.state.get_message("C0GENERAL", ts)["text"] == neutralise(draft)


def test_parts_of_a_long_draft_never_cut_a_link() -> None:
    text = " ".join(f"Step {n}: see [the guide for step {n}]({EVIL}/{n})." for n in range(200))
    parts = split_for_slack(text, limit=500)
    assert len(parts) > 5
    assert all("[" not in part and "](" not in part for part in parts)
    assert sum(part.count(f"({EVIL}/") for part in parts) == 200


# -- every surface ---------------------------------------------------------------------------

LINKED = f"Try [click me]({EVIL}) or <{EVIL}|that one>"


def _item(text: str) -> RankedItem:
    return RankedItem(id=1, kind="idea", text=text, channel="C0GENERAL", ts="1.000001",
                      topic=text, score=2, approvals=2, rejections=0, approvers=["U0BOB"])


_GUIDANCE = Guidance(text=LINKED, set_by="U0ALICE", set_at=datetime(2026, 1, 1, tzinfo=UTC))

# Each builder of `handlers.slack.blocks` that shows text a model wrote (or a person's words,
# which go through the same `neutralise`), called with that text full of links.
AI_SURFACES: dict[str, Callable[[], Any]] = {
    # people's words in the question ("this command or this topic?") are shown the same way
    "choice": lambda: blocks.choice(LINKED, user="U0ALICE", run="stats", topic="t", key="k"),
    "header": lambda: blocks.header(LINKED, "U0ALICE", status="s"),
    "done_status": lambda: blocks.done_status(2, "m", offline=False, steering=Steering(),
                                              note=LINKED),
    "idea": lambda: blocks.idea(1, LINKED, "m", offline=False),
    "draft": lambda: [blocks.draft(LINKED, "m", offline=False, state=state, sources=LINKED,
                                   note=blocks.stopped_by("U0ALICE") if state == "stopped"
                                   else LINKED,  # a stop's note is ours: it mentions
                                   label=label)
                      for state in ("writing", "done", "failed", "stopped")
                      for label in blocks.WRITTEN_LABELS],
    "digest": lambda: blocks.digest([_item(LINKED)], "day", "today", {}, lambda user: user),
    "top_list": lambda: blocks.top_list([_item(LINKED)], "week", {}),
    "why": lambda: blocks.why(BrainstormInputs(
        topic=LINKED, model="m", steering=Steering(approved=1, guided=True),
        inputs={"guidance": LINKED, "approved": [LINKED], "rejected": [LINKED],
                "seed": LINKED})),
    "home_view": lambda: blocks.home_view([ChannelCard(
        channel="C0GENERAL", approved=1, rejected=0, judged=1, posted=1,
        top=[_item(LINKED)], digest="daily", guidance=_GUIDANCE)], offline=False),
    "guidance_shown": lambda: blocks.guidance_shown(_GUIDANCE),
    "guidance_set": lambda: blocks.guidance_set("U0ALICE", LINKED),
    "decide_modal": lambda: blocks.decide_modal(
        Proposal(1, "idea", "C0GENERAL", "1.000001", LINKED), decider="U0ALICE",
        due="2026-12-14", metadata="{}"),
    "decision_announced": lambda: blocks.decision_announced(_decision(LINKED)),
    "reminder": lambda: blocks.reminder(_decision(LINKED)),
    "reminder_answered": lambda: blocks.reminder_answered(_decision(LINKED), "Done.",
                                                          "U0ALICE"),
    "decision_list": lambda: blocks.decision_list("Yours", [_decision(LINKED)], "none"),
}


def _decision(text: str) -> StoredDecision:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    return StoredDecision(
        id=1, team="T1", channel="C0GENERAL", item_id=1, thread_ts="1.000001", text=text,
        note=text, decider="U0ALICE", owner="U0BOB", due=date(2026, 12, 14),
        status="planned", closed_by=None, created_at=at, updated_at=at,
        remind_on=date(2026, 12, 14), reminded_on=None, reminder_channel=None,
        reminder_ts=None)
# The rest show only idealoop's own words, model names and ids.
OUR_WORDS = {"feedback_buttons", "next_steps", "forget_ask", "ai_label", "thinking_status",
             "steered_by", "failed_status", "stopped_by", "stopped_status", "stream_opening",
             "drafting_placeholder", "stats", "guidance_cleared", "schedule_modal",
             "guidance_modal", "home_unavailable"}


def test_every_builder_is_known_to_show_ai_text_or_only_ours() -> None:
    """A new builder fails here until it is put in one list or the other."""
    builders = {name for name, value in vars(blocks).items()
                if inspect.isfunction(value) and value.__module__ == blocks.__name__
                and not name.startswith("_")}
    assert builders == set(AI_SURFACES) | OUR_WORDS


@pytest.mark.parametrize("surface", sorted(AI_SURFACES))
def test_every_surface_shows_where_links_go(surface: str) -> None:
    shown = json.dumps(AI_SURFACES[surface](), ensure_ascii=False)
    assert f"click me ({EVIL})" in shown and f"that one ({EVIL})" in shown
    assert "](" not in shown and f"<{EVIL}" not in shown and f"&lt;{EVIL}" not in shown


def test_idealoops_own_permalinks_stay_links() -> None:
    links = {1: "https://example.slack.com/archives/C0GENERAL/p1000001"}
    _, digest_blocks = blocks.digest([_item(LINKED)], "day", "today", links, lambda u: u)
    _, top_blocks = blocks.top_list([_item(LINKED)], "week", links)
    assert f"<{links[1]}|open the discussion>" in json.dumps(digest_blocks)
    assert f"<{links[1]}|open>" in json.dumps(top_blocks)
