"""Tests for reading ideas out of LLM answers (`bot/llm/idea_parsing.py`).

Why these cases: OpenAI-compatible servers answer in many shapes (strict JSON, JSON in
prose or code fences, markdown lists, one idea per line). Whatever the shape, each idea
must come out as one tidy line, duplicates must go, and an answer with no ideas must
raise `LLMBadOutput` rather than post junk into Slack.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import LLMBadOutput
from bot.llm.idea_parsing import MAX_IDEA_CHARS, StreamedIdeas, parse_ideas

# --- JSON answers ---------------------------------------------------------------------------


def test_schema_answer() -> None:
    content = json.dumps({"ideas": ["Rotate standup hosts weekly", "Cap standups at 10 minutes"]})
    assert parse_ideas(content) == ["Rotate standup hosts weekly", "Cap standups at 10 minutes"]


def test_dict_without_ideas_key_uses_first_value() -> None:
    content = json.dumps({"suggestions": ["Pair new hires with a buddy", "Write a setup script"]})
    assert parse_ideas(content) == ["Pair new hires with a buddy", "Write a setup script"]


def test_bare_json_list() -> None:
    assert parse_ideas('["Ship smaller PRs", "Automate the changelog"]') == [
        "Ship smaller PRs",
        "Automate the changelog",
    ]


def test_json_wrapped_in_prose() -> None:
    content = (
        'Sure! Here is what I came up with: {"ideas": ["Host a monthly demo day", '
        '"Rotate on-call fairly"]} Let me know if you want more.'
    )
    assert parse_ideas(content) == ["Host a monthly demo day", "Rotate on-call fairly"]


def test_json_in_json_code_fence() -> None:
    content = '```json\n{"ideas": ["Archive stale channels", "Add a #help channel"]}\n```'
    assert parse_ideas(content) == ["Archive stale channels", "Add a #help channel"]


def test_json_in_fence_surrounded_by_prose() -> None:
    content = (
        "Here you go:\n```json\n"
        '["Use feature flags for risky changes", "Deploy on Tuesdays only"]\n'
        "```\nHope this helps!"
    )
    assert parse_ideas(content) == [
        "Use feature flags for risky changes",
        "Deploy on Tuesdays only",
    ]


def test_list_of_objects_with_title_and_description() -> None:
    content = json.dumps(
        [
            {"title": "Buddy system", "description": "Pair each new hire with a mentor"},
            {"title": "Setup script", "description": "One command to a working laptop"},
        ]
    )
    assert parse_ideas(content) == [
        "Buddy system: Pair each new hire with a mentor",
        "Setup script: One command to a working laptop",
    ]


def test_single_object_list_in_prose() -> None:
    content = 'Here:\n[{"title": "Quiet hours", "description": "No meetings before 11"}]'
    assert parse_ideas(content) == ["Quiet hours: No meetings before 11"]


def test_objects_under_ideas_key_with_idea_field() -> None:
    content = json.dumps({"ideas": [{"idea": "Run a bug bash"}, {"text": "Track flaky tests"}]})
    assert parse_ideas(content) == ["Run a bug bash", "Track flaky tests"]


def test_json_items_are_cleaned() -> None:
    content = json.dumps({"ideas": ["  **Bold**   idea\nwith  newline  ", "1. Numbered inside"]})
    assert parse_ideas(content) == ["Bold idea with newline", "Numbered inside"]


# --- Lists and lines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "1. Rotate hosts\n2. Timebox to 10 minutes\n3. Async updates on Fridays",
        "1) Rotate hosts\n2) Timebox to 10 minutes\n3) Async updates on Fridays",
        "- Rotate hosts\n- Timebox to 10 minutes\n- Async updates on Fridays",
        "• Rotate hosts\n• Timebox to 10 minutes\n• Async updates on Fridays",
        "* Rotate hosts\n* Timebox to 10 minutes\n* Async updates on Fridays",
        "(1) Rotate hosts\n(2) Timebox to 10 minutes\n(3) Async updates on Fridays",
    ],
    ids=["dot", "paren", "dash", "bullet", "star", "parenthesised"],
)
def test_list_markers_stripped(content: str) -> None:
    assert parse_ideas(content) == [
        "Rotate hosts",
        "Timebox to 10 minutes",
        "Async updates on Fridays",
    ]


def test_preamble_and_closing_prose_dropped_around_list() -> None:
    content = (
        "Here are 5 ideas:\n\n1. Rotate hosts\n2. Timebox to 10 minutes\n\n"
        "Let me know if you'd like more!"
    )
    assert parse_ideas(content) == ["Rotate hosts", "Timebox to 10 minutes"]


@pytest.mark.parametrize(
    "preamble",
    ["Here are 3 ideas:", "Here is a list:", "Sure, happy to help.", "Certainly!",
     "Of course.", "Ideas:", "Idea:"],
)
def test_preamble_dropped_from_plain_lines(preamble: str) -> None:
    content = f"{preamble}\nRotate hosts\nTimebox to 10 minutes"
    assert parse_ideas(content) == ["Rotate hosts", "Timebox to 10 minutes"]


def test_plain_lines_one_idea_each() -> None:
    content = "Rotate hosts\n\n   \nTimebox to 10 minutes\n"
    assert parse_ideas(content) == ["Rotate hosts", "Timebox to 10 minutes"]


def test_markdown_bold_removed() -> None:
    content = "1. **Buddy system**: pair new hires\n2. __Setup script__ for laptops"
    assert parse_ideas(content) == ["Buddy system: pair new hires", "Setup script for laptops"]


def test_internal_whitespace_collapsed() -> None:
    assert parse_ideas("1.   Rotate\t\thosts   weekly") == ["Rotate hosts weekly"]


def test_overlong_idea_truncated_with_ellipsis() -> None:
    long_idea = "word " * 2000
    [idea] = parse_ideas(json.dumps({"ideas": [long_idea]}))
    assert len(idea) == MAX_IDEA_CHARS
    assert idea.endswith("…")
    assert idea[:-1] == long_idea[: MAX_IDEA_CHARS - 1].rstrip()


def test_a_long_idea_is_kept_whole() -> None:
    # A 5,000-character idea is stored whole; Slack shows it across sections.
    long_idea = " ".join(["word"] * 1000)[:5000]
    assert parse_ideas(json.dumps({"ideas": [long_idea]})) == [long_idea.strip()]


def test_idea_at_limit_not_truncated() -> None:
    exact = "x" * MAX_IDEA_CHARS
    assert parse_ideas(json.dumps([exact])) == [exact]


def test_near_duplicates_removed_keeping_first() -> None:
    content = json.dumps(
        {
            "ideas": [
                "Hold a weekly demo day.",
                "Hold a weekly demo-day!",
                "hold a WEEKLY demo day",
                "Write onboarding docs",
            ]
        }
    )
    assert parse_ideas(content) == ["Hold a weekly demo day.", "Write onboarding docs"]


def test_distinct_ideas_kept() -> None:
    content = "1. Write onboarding docs\n2. Record onboarding videos\n3. Automate laptop setup"
    assert parse_ideas(content) == [
        "Write onboarding docs",
        "Record onboarding videos",
        "Automate laptop setup",
    ]


# --- No ideas -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [None, "", "   ", "\n\n\t\n", "[]", '{"ideas": []}', "```\n[]\n```",
     "Here are 5 ideas:", "Sure!\n\nHere is", '["", "   "]'],
)
def test_no_ideas_raise_bad_output(content: str | None) -> None:
    with pytest.raises(LLMBadOutput) as info:
        parse_ideas(content)
    assert "no ideas" in str(info.value)
    assert info.value.user_message == LLMBadOutput.user_message


@pytest.mark.parametrize(
    "content", ["{}", '{"ideas": null}', '{"error": "rate limited"}', '{"ideas": "none"}']
)
def test_json_without_idea_list_raises(content: str) -> None:
    with pytest.raises(LLMBadOutput):
        parse_ideas(content)


@pytest.mark.parametrize("content", ["```json\n```", "```\n```", "---", "...\n***"])
def test_markup_only_output_raises(content: str) -> None:
    with pytest.raises(LLMBadOutput):
        parse_ideas(content)


def test_bracketed_snippet_inside_list_does_not_hijack_parsing() -> None:
    content = (
        '1. Add a feedback widget with ["Yes", "No"] buttons\n'
        "2. Send a quarterly survey"
    )
    assert parse_ideas(content) == [
        'Add a feedback widget with ["Yes", "No"] buttons',
        "Send a quarterly survey",
    ]


def test_null_entries_in_json_are_skipped() -> None:
    assert parse_ideas('{"ideas": ["Run a bug bash", null]}') == ["Run a bug bash"]


def test_bold_wrapped_numbered_list() -> None:
    content = "**1. Rotate hosts**\n**2. Timebox to 10 minutes**"
    assert parse_ideas(content) == ["Rotate hosts", "Timebox to 10 minutes"]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.one_of(
    st.lists(st.text(max_size=12), max_size=6).map(lambda xs: json.dumps({"ideas": xs})),
    st.lists(st.text(max_size=12), max_size=6).map(
        lambda xs: "```json\n" + json.dumps(xs, indent=1) + "\n```"),
    st.lists(st.text("ab -1.*\n", max_size=10), max_size=6).map(
        lambda xs: "\n".join(f"{n}. {x}" for n, x in enumerate(xs, 1)))), st.data())
def test_an_answer_streamed_in_any_pieces_gives_the_ideas_it_gives_whole(
        answer: str, data: st.DataObject) -> None:
    """The streamed reader keeps where it got to between pieces: however the answer is
    cut, the same ideas come out, and none later than the piece that completes it."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(answer)), max_size=8)))
    pieces = [answer[start:end]
              for start, end in zip([0, *cuts], [*cuts, len(answer)], strict=True)]

    def streamed(parts: list[str]) -> tuple[list[list[str]], list[str] | None]:
        reader = StreamedIdeas(topic="t")
        fed = [reader.feed(part) for part in parts]
        try:
            return fed, reader.finish()
        except LLMBadOutput:
            return fed, None

    fed, rest = streamed(pieces)
    whole_fed, whole_rest = streamed(["".join(pieces)])
    assert [idea for got in fed for idea in got] + (rest or []) == (
        whole_fed[0] + (whole_rest or []))
    # An idea is given by the first prefix that holds it whole, never later.
    for n in range(1, len(pieces) + 1):
        prefix, _ = streamed(["".join(pieces[:n])])
        assert [idea for got in fed[:n] for idea in got] == prefix[0]
