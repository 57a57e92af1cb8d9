"""Every test that talks to the emulated Slack fails if the app made a call Slack would
refuse: after the test, the emulator's record is read for refusals that break Slack's
contract (a payload over a Block Kit or message limit, a missing argument, a method that
does not exist). Injected faults (`Call.failed`) are the test's own doing and do not count;
rate limits (`ratelimited`) only slow the app down and are waited out.

A test that provokes a refusal on purpose says so: ``@pytest.mark.slack_refusals(
"invalid_blocks")``.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.emulator.call_log import Call, CallLog

#: Errors that mean the app sent what Slack's reference says it must not: never a state of
#: the world (a deleted message, a channel the bot is not in), always a bug in the app.
CONTRACT_BREACHES = frozenset({
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long",
    "invalid_arguments", "invalid_attachments", "too_many_attachments", "no_text",
    "invalid_metadata_format", "invalid_metadata_schema", "unknown_method",
    "invalid_form_data", "invalid_json", "invalid_post_type", "markdown_text_too_long",
})


def refusals(calls: Iterable[Call], allowed: Iterable[str] = ()) -> list[Call]:
    """The calls Slack would have refused for what they carried, except `allowed` errors."""
    allowed = set(allowed)
    found = []
    for call in calls:
        if call.failed or call.response is None:
            continue
        error = call.response.get("error")
        if call.response.get("ok") is False and error in CONTRACT_BREACHES \
                and error not in allowed:
            found.append(call)
    return found


def describe(call: Call) -> str:
    reasons = (call.response or {}).get("response_metadata", {}).get("messages", [])
    return (f"{call.method} -> {(call.response or {}).get('error')} "
            f"{' '.join(reasons)}".rstrip())


def assert_no_refusals(slack: CallLog, allowed: Iterable[str] = ()) -> None:
    """Fail when any recorded call was refused as a breach of Slack's contract."""
    found = refusals(slack.calls, allowed)
    if found:
        raise AssertionError(
            f"the app made {len(found)} call(s) Slack would refuse (mark a test "
            "@pytest.mark.slack_refusals(error) if it provokes them on purpose):\n"
            + "\n".join(f"  {describe(call)}" for call in found))
