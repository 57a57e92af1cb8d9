"""Drive the emulated Slack Web API with the real slack_sdk WebClient.

These tests pin the contract the rest of the suite relies on: Slack-shaped responses and
errors, pagination that real cursor-following code accepts, and fault injection that lets
retry logic be shown to post exactly once.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.config import BOT_SCOPES
from bot.emulator.slack_requests import message_action_body
from bot.emulator.web_api import Call, SlackApiServer
from bot.emulator.workspace import Workspace
from testkit.waiting import eventually

GENERAL = "C0GENERAL"


def _raw_post(url: str, body: bytes, content_type: str) -> tuple[int, dict]:
    req = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": content_type, "Authorization": "Bearer xoxb-test"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


# --------------------------------------------------------------------------- state


def test_ts_strictly_increasing_and_unique() -> None:
    st = Workspace()
    values = [st.next_ts() for _ in range(5000)]
    assert len(set(values)) == len(values)
    as_us = [int(v.replace(".", "")) for v in values]
    assert as_us == sorted(as_us)
    assert all(len(v.split(".")[1]) == 6 for v in values)


def test_state_thread_bookkeeping_and_tombstone() -> None:
    st = Workspace()
    root = st.post_message(GENERAL, "root", user="U0ALICE")
    r1 = st.post_message(GENERAL, "r1", user="U0BOB", thread_ts=root["ts"])
    # Replying to a reply lands in the root's thread, as in Slack.
    r2 = st.post_message(GENERAL, "r2", as_bot=True, thread_ts=r1["ts"])
    assert r2["thread_ts"] == root["ts"]
    thread = st.thread(GENERAL, root["ts"])
    assert [m["text"] for m in thread] == ["root", "r1", "r2"]
    assert thread[0]["reply_count"] == 2 and thread[0]["thread_ts"] == root["ts"]
    assert thread[0]["reply_users"] == ["U0BOB", "U0BOT"]
    assert [m["text"] for m in st.history(GENERAL)] == ["root"]

    st.delete_message(GENERAL, root["ts"])  # has replies -> tombstone
    assert st.get_message(GENERAL, root["ts"])["subtype"] == "tombstone"
    st.delete_message(GENERAL, r1["ts"])
    assert st.get_message(GENERAL, root["ts"])["reply_count"] == 1
    st.delete_message(GENERAL, r2["ts"])  # last reply gone -> tombstone goes too
    assert st.get_message(GENERAL, root["ts"]) is None
    assert st.history(GENERAL) == []


def test_state_reactions_and_copies() -> None:
    st = Workspace()
    msg = st.post_message(GENERAL, "hi", user="U0ALICE")
    assert st.add_reaction(GENERAL, msg["ts"], "U0BOB", "+1") is True
    assert st.add_reaction(GENERAL, msg["ts"], "U0BOB", ":+1:") is False
    assert st.add_reaction(GENERAL, msg["ts"], "U0CAROL", "+1") is True
    got = st.get_message(GENERAL, msg["ts"])
    assert got["reactions"] == [{"name": "+1", "users": ["U0BOB", "U0CAROL"], "count": 2}]
    got["text"] = "mutated"  # callers get copies
    assert st.get_message(GENERAL, msg["ts"])["text"] == "hi"
    assert st.remove_reaction(GENERAL, msg["ts"], "U0BOB", "+1") is True
    assert st.remove_reaction(GENERAL, msg["ts"], "U0BOB", "+1") is False
    assert st.remove_reaction(GENERAL, msg["ts"], "U0CAROL", "+1") is True
    assert "reactions" not in st.get_message(GENERAL, msg["ts"])


# ------------------------------------------------------------------- basic methods


def test_auth_test_and_users_info(client: WebClient) -> None:
    auth = client.auth_test()
    assert auth["user_id"] == "U0BOT" and auth["bot_id"] == "B0BOT"
    assert auth["team_id"] == "T0001" and auth["user"] == "idealoop"
    alice = client.users_info(user="U0ALICE")["user"]
    assert alice["name"] == "alice" and alice["tz"] == "UTC" and alice["is_bot"] is False
    assert alice["profile"]["display_name"] == "alice"
    assert client.users_info(user="U0BOT")["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U0NOPE")
    assert exc.value.response["error"] == "user_not_found"


def test_auth_errors(server: SlackApiServer) -> None:
    with pytest.raises(SlackApiError) as exc:
        WebClient(base_url=server.url).auth_test()
    assert exc.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as exc:
        WebClient(token="bogus", base_url=server.url).chat_postMessage(channel=GENERAL, text="x")
    assert exc.value.response["error"] == "invalid_auth"
    assert server.state.history(GENERAL) == []
    # A token param (form) works as well as the Bearer header.
    status, body = _raw_post(server.url + "auth.test", b"token=xoxb-form",
                             "application/x-www-form-urlencoded")
    assert status == 200 and body["ok"] is True


def test_every_answer_to_a_token_says_its_scopes(client: WebClient,
                                                  server: SlackApiServer) -> None:
    """Slack's `X-OAuth-Scopes` header: the manifest's bot scopes unless fewer granted."""
    assert client.auth_test().headers["X-OAuth-Scopes"] == ",".join(BOT_SCOPES)
    server.grant_scopes("chat:write", "commands")
    assert client.auth_test().headers["X-OAuth-Scopes"] == "chat:write,commands"
    with pytest.raises(SlackApiError) as exc:  # on a refusal too
        client.users_info(user="U0NOPE")
    assert exc.value.response.headers["X-OAuth-Scopes"] == "chat:write,commands"


def test_an_app_token_is_answered_with_its_one_scope(server: SlackApiServer) -> None:
    """`X-OAuth-Scopes` of an app-level token (its refusals of other tokens are in
    test_socket_mode_link.py)."""
    opened = WebClient(base_url=server.url).apps_connections_open(
        app_token="xapp-1-A0IDEALOOP-2-x")
    assert opened["url"].startswith("ws://127.0.0.1:")
    assert opened.headers["X-OAuth-Scopes"] == "connections:write"


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.doesNotExist")
    assert exc.value.response["error"] == "unknown_method"
    assert exc.value.response.status_code == 200


def test_post_message_shape_and_history(
    client: WebClient, server: SlackApiServer, state: Workspace
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*idea*"}}]
    metadata = {"event_type": "idea", "event_payload": {"id": 7}}
    resp = client.chat_postMessage(channel=GENERAL, text="idea", blocks=blocks,
                                   metadata=metadata, unfurl_links=False)
    assert resp["ok"] and resp["channel"] == GENERAL
    msg = resp["message"]
    assert msg["ts"] == resp["ts"] and msg["user"] == "U0BOT" and msg["bot_id"] == "B0BOT"
    assert msg["blocks"] == blocks and msg["metadata"] == metadata
    assert state.get_message(GENERAL, resp["ts"])["text"] == "idea"

    call = server.calls_to("chat.postMessage")[0]
    assert isinstance(call, Call) and call.params["blocks"] == blocks
    assert call.headers["Content-Type"].startswith("application/json")

    second = client.chat_postMessage(channel=GENERAL, text="second")
    hist = client.conversations_history(channel=GENERAL)
    assert [m["ts"] for m in hist["messages"]] == [second["ts"], resp["ts"]]  # newest first
    assert hist["has_more"] is False


def test_form_encoded_json_fields_are_decoded(client: WebClient, server: SlackApiServer) -> None:
    blocks = [{"type": "divider"}]
    resp = client.api_call("chat.postMessage", params={
        "channel": GENERAL, "text": "form", "blocks": json.dumps(blocks),
        "metadata": json.dumps({"event_type": "x", "event_payload": {}}),
    })
    assert resp["message"]["blocks"] == blocks
    assert resp["message"]["metadata"]["event_type"] == "x"
    call = server.calls_to("chat.postMessage")[0]
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == blocks
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.postMessage",
                        params={"channel": GENERAL, "text": "x", "blocks": "[not json"})
    assert exc.value.response["error"] == "invalid_blocks_format"


def test_post_errors(client: WebClient, state: Workspace) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.postMessage", json={"channel": GENERAL, "text": ""})
    assert exc.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="#nowhere", text="x")
    assert exc.value.response["error"] == "channel_not_found"
    assert state.history(GENERAL) == []
    # Channels are created on first use.
    client.chat_postMessage(channel="C0NEW", text="hello")
    assert client.conversations_info(channel="C0NEW")["channel"]["id"] == "C0NEW"
    assert client.conversations_info(channel=GENERAL)["channel"]["name"] == "general"


def test_update_and_delete(client: WebClient, state: Workspace) -> None:
    ts = client.chat_postMessage(channel=GENERAL, text="draft",
                                 blocks=[{"type": "divider"}])["ts"]
    upd = client.chat_update(channel=GENERAL, ts=ts, text="final")
    assert upd["ts"] == ts and upd["text"] == "final"
    stored = state.get_message(GENERAL, ts)
    assert stored["text"] == "final" and stored["blocks"] == [{"type": "divider"}]
    assert "edited" in stored
    client.chat_update(channel=GENERAL, ts=ts, text="final", blocks=[])
    assert "blocks" not in state.get_message(GENERAL, ts)

    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=GENERAL, ts="1.000001", text="x")
    assert exc.value.response["error"] == "message_not_found"
    human = state.post_message(GENERAL, "mine", user="U0ALICE")
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=GENERAL, ts=human["ts"], text="hijack")
    assert exc.value.response["error"] == "cant_update_message"
    with pytest.raises(SlackApiError) as exc:
        client.chat_delete(channel=GENERAL, ts=human["ts"])
    assert exc.value.response["error"] == "cant_delete_message"

    assert client.chat_delete(channel=GENERAL, ts=ts)["ts"] == ts
    assert state.get_message(GENERAL, ts) is None


def test_thread_replies(client: WebClient, state: Workspace) -> None:
    root = state.post_message(GENERAL, "brainstorm?", user="U0ALICE")
    r1 = client.chat_postMessage(channel=GENERAL, text="idea 1", thread_ts=root["ts"])
    client.chat_postMessage(channel=GENERAL, text="idea 2", thread_ts=root["ts"])
    assert r1["message"]["thread_ts"] == root["ts"]
    assert r1["message"]["parent_user_id"] == "U0ALICE"

    replies = client.conversations_replies(channel=GENERAL, ts=root["ts"])
    texts = [m["text"] for m in replies["messages"]]
    assert texts == ["brainstorm?", "idea 1", "idea 2"]
    assert replies["messages"][0]["reply_count"] == 2
    # Any ts in the thread resolves to the whole thread.
    again = client.conversations_replies(channel=GENERAL, ts=r1["ts"])
    assert [m["text"] for m in again["messages"]] == texts
    # Replies stay out of channel history.
    hist = client.conversations_history(channel=GENERAL)["messages"]
    assert [m["text"] for m in hist] == ["brainstorm?"]
    assert hist[0]["reply_count"] == 2

    with pytest.raises(SlackApiError) as exc:
        client.conversations_replies(channel=GENERAL, ts="1.000001")
    assert exc.value.response["error"] == "thread_not_found"
    # Slack accepts a reply to a ts that doesn't exist; so do we.
    orphan = client.chat_postMessage(channel=GENERAL, text="orphan", thread_ts="1.000001")
    assert orphan["message"]["thread_ts"] == "1.000001"


def test_pagination_of_1500_message_thread(client: WebClient, server: SlackApiServer) -> None:
    state = server.state
    root = state.post_message(GENERAL, "root", user="U0ALICE")
    for i in range(1500):
        state.post_message(GENERAL, f"r{i}", as_bot=True, thread_ts=root["ts"])

    first = client.conversations_replies(channel=GENERAL, ts=root["ts"])  # default limit 1000
    assert len(first["messages"]) == 1000 and first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor
    second = client.conversations_replies(channel=GENERAL, ts=root["ts"], cursor=cursor)
    assert second["has_more"] is False and second["response_metadata"]["next_cursor"] == ""
    got = first["messages"] + second["messages"]
    assert [m["text"] for m in got] == ["root"] + [f"r{i}" for i in range(1500)]

    # slack_sdk's own cursor-following iteration, with a small page size (clamped at 1000).
    server.clear_calls()
    texts: list[str] = []
    for page in client.conversations_replies(channel=GENERAL, ts=root["ts"], limit=400):
        texts += [m["text"] for m in page["messages"]]
    assert texts == [m["text"] for m in got]
    calls = server.calls_to("conversations.replies")
    assert len(calls) == 4 and "cursor" not in calls[0].params
    assert all(c.params["cursor"] for c in calls[1:])
    assert len(client.conversations_replies(channel=GENERAL, ts=root["ts"],
                                            limit=5000)["messages"]) == 1000

    with pytest.raises(SlackApiError) as exc:
        client.conversations_replies(channel=GENERAL, ts=root["ts"], cursor="garbage!")
    assert exc.value.response["error"] == "invalid_cursor"


def test_history_pagination_newest_first(client: WebClient, state: Workspace) -> None:
    posted = [state.post_message(GENERAL, f"m{i}", user="U0BOB")["ts"] for i in range(5)]
    seen: list[str] = []
    for page in client.conversations_history(channel=GENERAL, limit=2):
        seen += [m["ts"] for m in page["messages"]]
    assert seen == list(reversed(posted))
    window = client.conversations_history(channel=GENERAL, oldest=posted[1], latest=posted[3])
    assert [m["ts"] for m in window["messages"]] == [posted[2]]


def test_reactions(client: WebClient, state: Workspace) -> None:
    ts = state.post_message(GENERAL, "vote", user="U0ALICE")["ts"]
    assert client.reactions_add(channel=GENERAL, timestamp=ts, name="eyes")["ok"]
    assert state.get_message(GENERAL, ts)["reactions"] == [
        {"name": "eyes", "users": ["U0BOT"], "count": 1}
    ]
    with pytest.raises(SlackApiError) as exc:
        client.reactions_add(channel=GENERAL, timestamp=ts, name="eyes")
    assert exc.value.response["error"] == "already_reacted"
    assert client.reactions_remove(channel=GENERAL, timestamp=ts, name="eyes")["ok"]
    with pytest.raises(SlackApiError) as exc:
        client.reactions_remove(channel=GENERAL, timestamp=ts, name="eyes")
    assert exc.value.response["error"] == "no_reaction"
    with pytest.raises(SlackApiError) as exc:
        client.reactions_add(channel=GENERAL, timestamp="1.000001", name="eyes")
    assert exc.value.response["error"] == "message_not_found"


def test_permalink(client: WebClient, state: Workspace) -> None:
    root = state.post_message(GENERAL, "root", user="U0ALICE")
    reply = state.post_message(GENERAL, "reply", as_bot=True, thread_ts=root["ts"])
    link = client.chat_getPermalink(channel=GENERAL, message_ts=root["ts"])["permalink"]
    assert link == (f"https://emulated.slack.local/archives/{GENERAL}/"
                    f"p{root['ts'].replace('.', '')}")
    rlink = client.chat_getPermalink(channel=GENERAL, message_ts=reply["ts"])["permalink"]
    assert rlink.endswith(f"p{reply['ts'].replace('.', '')}?thread_ts={root['ts']}&cid={GENERAL}")
    with pytest.raises(SlackApiError) as exc:
        client.chat_getPermalink(channel=GENERAL, message_ts="1.000001")
    assert exc.value.response["error"] == "message_not_found"


def test_ephemeral(client: WebClient, state: Workspace) -> None:
    resp = client.chat_postEphemeral(channel=GENERAL, user="U0BOB", text="only you",
                                     thread_ts="1.000001")
    assert resp["message_ts"]
    assert state.ephemeral == [{"channel": GENERAL, "user": "U0BOB", "text": "only you",
                                "blocks": None, "thread_ts": "1.000001"}]
    assert state.history(GENERAL) == []
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel=GENERAL, user="U0NOPE", text="x")
    assert exc.value.response["error"] == "user_not_found"


def test_ephemeral_is_refused_where_slack_refuses_it(client: WebClient,
                                                    state: Workspace) -> None:
    """chat.postEphemeral's errors (https://docs.slack.dev/reference/methods/
    chat.postEphemeral): the person not in the channel, the bot not in it, an archived
    channel, an unknown channel name."""
    def refused(channel: str, user: str = "U0BOB") -> str:
        with pytest.raises(SlackApiError) as exc:
            client.chat_postEphemeral(channel=channel, user=user, text="x")
        return str(exc.value.response["error"])

    state.set_person_in(GENERAL, "U0BOB", False)
    assert refused(GENERAL) == "user_not_in_channel"
    assert client.chat_postEphemeral(channel=GENERAL, user="U0CAROL", text="x")["ok"]
    state.set_person_in(GENERAL, "U0BOB", True)
    assert client.chat_postEphemeral(channel=GENERAL, user="U0BOB", text="x")["ok"]
    state.set_member("C0ELSEWHERE", False)
    assert refused("C0ELSEWHERE") == "not_in_channel"
    state.ensure_channel("C0OLD")
    state.channels["C0OLD"]["is_archived"] = True
    assert refused("C0OLD") == "is_archived"
    assert refused("#nowhere") == "channel_not_found"
    assert len(state.ephemeral) == 2


def test_response_url(server: SlackApiServer, state: Workspace) -> None:
    original = state.post_message(GENERAL, "pick one", as_bot=True)
    url = server.new_response_url(channel=GENERAL, message_ts=original["ts"])
    assert url.startswith(server.base + "/response/")
    hook = WebhookClient(url, timeout=5)

    assert hook.send(text="just for you").status_code == 200  # ephemeral: recorded only
    assert hook.send(text="for everyone", response_type="in_channel").status_code == 200
    assert hook.send(text="picked", replace_original=True).status_code == 200
    bodies = [r["body"] for r in state.responses]
    assert [b["text"] for b in bodies] == ["just for you", "for everyone", "picked"]
    url_id = url.rsplit("/", 1)[1]
    assert all(r["url_id"] == url_id for r in state.responses)
    texts = [m["text"] for m in state.history(GENERAL)]
    assert texts == ["picked", "for everyone"]
    assert server.calls_to("response_url")[0].params["text"] == "just for you"

    missing = WebhookClient(server.base + "/response/nope", timeout=5).send(text="x")
    assert missing.status_code == 404


# ------------------------------------------------------------------ fault injection


def test_rate_limit_retry_posts_once(
    client: WebClient, server: SlackApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK sleeps Retry-After + random() seconds; pin the jitter to keep the test ~1 s.
    monkeypatch.setattr(builtin_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    server.fail("chat.postMessage", status=429, retry_after=1)
    resp = client.chat_postMessage(channel=GENERAL, text="once")
    assert resp["ok"]
    assert [m["text"] for m in server.state.history(GENERAL)] == ["once"]
    attempts = server.calls_to("chat.postMessage", include_failed=True)
    assert [c.failed for c in attempts] == [True, False]
    assert attempts[0].status == 429
    assert attempts[1].at - attempts[0].at >= 0.9
    assert len(server.calls_to("chat.postMessage")) == 1


def test_server_error_retry_posts_once(client: WebClient, server: SlackApiServer) -> None:
    client.retry_handlers.append(ServerErrorRetryHandler(
        max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)))
    server.fail("chat.postMessage", times=2)  # default: HTTP 500
    resp = client.chat_postMessage(channel=GENERAL, text="once")
    assert resp["ok"]
    assert len(server.state.history(GENERAL)) == 1
    assert [c.status for c in server.calls_to("chat.postMessage", include_failed=True)] == [
        500, 500, 200]


def test_injected_failures_without_retry_change_nothing(
    client: WebClient, server: SlackApiServer
) -> None:
    server.fail("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=GENERAL, text="x")
    assert exc.value.response.status_code == 503

    server.fail("chat.postMessage", retry_after=3)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=GENERAL, text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "3"

    server.fail("*", error="fatal_error", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.reactions_add(channel=GENERAL, timestamp="1.000001", name="x")
        assert exc.value.response["error"] == "fatal_error"
    assert server.state.history(GENERAL) == []
    assert server.calls_to("chat.postMessage") == []
    assert len(server.calls_to("chat.postMessage", include_failed=True)) == 2
    # Faults are used up: the next call goes through.
    assert client.chat_postMessage(channel=GENERAL, text="now")["ok"]


def test_garbage_body_raises_clear_client_error(client: WebClient, server: SlackApiServer) -> None:
    server.fail("chat.postMessage", garbage=True)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=GENERAL, text="x")
    assert "non-JSON" in str(exc.value)
    assert server.state.history(GENERAL) == []
    assert server.calls_to("chat.postMessage", include_failed=True)[0].response is None


def test_delay_then_handle_normally(client: WebClient, server: SlackApiServer) -> None:
    server.fail("auth.test", delay=0.2)
    started = time.monotonic()
    assert client.auth_test()["ok"]
    assert time.monotonic() - started >= 0.2
    assert len(server.calls_to("auth.test")) == 1


def test_a_held_call_is_answered_once_released_and_handled_normally(
        client: WebClient, server: SlackApiServer) -> None:
    released = threading.Event()
    server.fail("chat.postMessage", held=released)
    answers: list[dict[str, object]] = []
    caller = threading.Thread(target=lambda: answers.append(
        client.chat_postMessage(channel=GENERAL, text="held").data))
    caller.start()
    try:
        eventually(lambda: _no_faults_left(server), timeout=5)  # it arrived, and waits
        assert answers == [] and server.calls_to("chat.postMessage") == []
    finally:
        released.set()
    caller.join(5)
    assert answers and answers[0]["ok"]
    assert [m["text"] for m in server.state.history(GENERAL)] == ["held"]


def _no_faults_left(server: SlackApiServer) -> None:
    assert server.faults_left() == 0


def test_wait_for(client: WebClient, server: SlackApiServer) -> None:
    def later() -> None:
        time.sleep(0.05)
        client.chat_postMessage(channel=GENERAL, text="async")

    worker = threading.Thread(target=later)
    worker.start()
    try:
        calls = server.wait_for("chat.postMessage", timeout=2)
        assert calls[0].params["text"] == "async"
        assert server.state.history(GENERAL)[0]["text"] == "async"
    finally:
        worker.join()
    with pytest.raises(AssertionError, match=r"2 call\(s\) to 'chat.postMessage'; got 1"):
        server.wait_for("chat.postMessage", count=2, timeout=0.05)
    server.clear_calls()
    assert server.calls == []


def test_lifecycle() -> None:
    srv = SlackApiServer()
    with pytest.raises(RuntimeError):
        _ = srv.url
    with srv as running:
        assert running.url.endswith("/api/") and running.url.startswith("http://127.0.0.1:")
        assert WebClient(token="xoxb-x", base_url=running.url).auth_test()["ok"]
    srv.stop()  # idempotent


def test_a_dropped_call_is_a_connection_error_and_changes_nothing(
        client: WebClient, server: SlackApiServer, state: Workspace) -> None:
    server.fail("chat.postMessage", drop=True, times=2)  # the client retries a drop once
    with pytest.raises(OSError):
        client.chat_postMessage(channel="C0GENERAL", text="lost")
    assert state.history("C0GENERAL") == []
    assert client.chat_postMessage(channel="C0GENERAL", text="then fine")["ok"]


def test_a_call_can_fail_after_slack_carried_it_out(
        client: WebClient, server: SlackApiServer, state: Workspace) -> None:
    """What a client cannot tell from an ordinary failure: the message exists."""
    server.fail("chat.postMessage", status=500, after_effect=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0GENERAL", text="posted anyway")
    assert [m["text"] for m in state.history("C0GENERAL")] == ["posted anyway"]


def test_message_metadata_comes_back_only_when_asked(client: WebClient) -> None:
    root = client.chat_postMessage(channel="C0GENERAL", text="root")["ts"]
    metadata = {"event_type": "idealoop_idea", "event_payload": {"item_id": 7}}
    client.chat_postMessage(channel="C0GENERAL", thread_ts=root, text="idea", metadata=metadata)
    plain = client.conversations_replies(channel="C0GENERAL", ts=root)["messages"]
    assert all("metadata" not in message for message in plain)
    full = client.conversations_replies(channel="C0GENERAL", ts=root,
                                        include_all_metadata=True)["messages"]
    assert full[1]["metadata"] == metadata


def test_conversations_list_needs_channels_read_and_pages(server: SlackApiServer,
                                                         state: Workspace,
                                                         client: WebClient) -> None:
    # https://docs.slack.dev/reference/methods/conversations.list: channels:read (bot).
    server.grant_scopes(*(scope for scope in BOT_SCOPES if scope != "channels:read"))
    with pytest.raises(SlackApiError) as refused:
        client.conversations_list()
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "channels:read"
    server.grant_scopes(*BOT_SCOPES, "channels:read")
    state.ensure_channel("C0IDEAS", "ideas")
    state.ensure_channel("G0SECRET", "secret")
    state.ensure_channel("D0ALICE", "dm-alice")
    public = [c["name"] for page in client.conversations_list(limit=1) for c in page["channels"]]
    assert public == ["general", "ideas"]  # one per page, followed by cursor
    both = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert [c["id"] for c in both] == ["C0GENERAL", "C0IDEAS", "G0SECRET"]
    with pytest.raises(SlackApiError) as bad:
        client.conversations_list(types="channels")
    assert bad.value.response["error"] == "invalid_types"


def test_a_channel_the_bot_is_not_in_refuses_its_reads_and_posts(
        client: WebClient, state: Workspace) -> None:
    """Slack answers `not_in_channel` to a bot token reading or posting in a channel the
    bot is not a member of (the methods' pages list it); a message shortcut there still
    reaches the app, which must say so politely."""
    message = state.post_message("C0RANDOM", "hello", user="U0BOB")
    state.set_member("C0RANDOM", False)
    for call in (lambda: client.conversations_replies(channel="C0RANDOM", ts=message["ts"]),
                 lambda: client.conversations_history(channel="C0RANDOM"),
                 lambda: client.chat_postMessage(channel="C0RANDOM", text="x")):
        with pytest.raises(SlackApiError) as exc:
            call()
        assert exc.value.response["error"] == "not_in_channel"
    assert client.conversations_info(channel="C0RANDOM")["channel"]["is_member"] is False
    state.set_member("C0RANDOM", True)  # /invite @idealoop
    assert client.conversations_replies(channel="C0RANDOM", ts=message["ts"])["ok"]


def test_a_message_shortcut_payload_has_slacks_fields() -> None:
    """https://api.slack.com/reference/interaction-payloads/shortcuts: a message shortcut
    is `type: message_action` with its `callback_id`, a `trigger_id`, a `response_url`,
    the whole `message`, its `channel`, the `user` and the `team`."""
    message = {"ts": "1700000000.000002", "thread_ts": "1700000000.000001", "user": "U0BOB",
               "text": "hi"}
    body = message_action_body("idealoop_polish_message", user="U0ALICE", channel=GENERAL,
                               message=message, response_url="http://x/response/1",
                               trigger_id="trig-1")
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    assert payload["type"] == "message_action"
    assert payload["callback_id"] == "idealoop_polish_message"
    assert payload["trigger_id"] == "trig-1" and payload["response_url"] == "http://x/response/1"
    assert payload["message"] == {"type": "message", **message}
    assert payload["channel"]["id"] == GENERAL and payload["user"]["id"] == "U0ALICE"
    assert payload["team"]["id"] and payload["message_ts"] == message["ts"]
