"""Forgetting and retention reach every copy of a person's words (issue 21).

Rows are written through every path over signed HTTP to the real app — a brainstorm,
"More like this" and "Draft this" on it by someone else, channel guidance, polish, the
assistant pane in a DM, a digest, an OAuth installation — with marker strings in the
words. Then `idealoop forget` (or `/brainstorm forget me`), or a retention purge, and a
scan of every text column of every table (the schema reflected, as the database has it)
finds none of them; on SQLite, neither do the bytes of the database file and its
write-ahead log. Each scan is first shown to find the markers, so it can fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, LargeBinary, inspect, select, table
from sqlalchemy import column as sql_column
from sqlalchemy.engine import make_url
from sqlalchemy.types import JSON, String, Text

from bot.config import Settings
from bot.emulator.shell import find_button
from bot.emulator.slack_requests import (
    assistant_message_event,
    assistant_thread_started_event,
    dm_message_event,
    mention_event,
)
from bot.emulator.web_api import SlackApiServer
from bot.privacy import Privacy
from handlers import shortcuts
from handlers.slack.blocks import REMOVED_INPUT
from storage.base import utcnow
from storage.models import Item, ItemVector
from storage.privacy import PrivacyStore
from testkit.app import RunningApp, app_env, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.processes import child_env

CHANNEL = "C0GENERAL"
DM = "D0ALICE"
BOT = "U0BOT"
ALICE, BOB, CAROL, DAN = "U0ALICE", "U0BOB", "U0CAROL", "U0DAN"

# Alice's own words, one marker per path that carries them.
TOPIC = "zqtopic standups at ten"  # her brainstorm; copied by Bob's "More like this"
GUIDE = "zqguide keep it under fifty words"  # her channel guidance
POLISHED = "We move standups to 10:15"  # her thread message (Slack keeps it, not idealoop)
INSTRUCTION = "polish zqinstr for the whole team"  # her mention
DM_TOPIC = "zqdmtopic onboarding buddies"  # her brainstorm in the assistant pane
DM_DRAFT = "Draft zqdmdraft a welcome note"  # her draft request in the pane
USER_TOKEN = "xoxp-zqtoken-alice"  # her user token from installing the app
NAME = "zqname alice"  # her display name: a draft's "drew on" line names her
DM_IDEA = "zqdmidea a buddy per joiner"  # the AI's, but only she saw it (her DM)
DECISION = "zqdecision walk at ten"  # the decision she recorded on idea 1 ("Decide…")
DECISION_NOTE = "zqdecnote try it for a month"  # its note
# Her message, on which Dan uses each message shortcut: "Brainstorm from this" makes it
# his brainstorm's topic; "Get feedback on this" and "Polish this" rework it.
SHORTCUT_ON = "zqshortcut our retro notes go out late every sprint"
FEEDBACK_OUT = "*What works*\n• zqfbout retro notes go out late every sprint: named."
POLISHED_OUT = "zqpolishedout Our retro notes go out late every sprint."
# her polish, on several lines with a link: decided on unchanged by Dan ("Decide…"
# prefills it on one line, links written out), a copy unlike its text
POLISH_OUT = ("Polished: zqpolout standups move to 10:15.\n\nEveryone joins from "
              "<https://example.com/standup|the standup room>.")
HERS = (TOPIC, GUIDE, INSTRUCTION, DM_TOPIC, DM_DRAFT, USER_TOKEN, NAME, DM_IDEA, DECISION,
        DECISION_NOTE, SHORTCUT_ON, FEEDBACK_OUT, POLISHED_OUT, POLISH_OUT)
# What the AI wrote, for retention: texts older than the cut-off.
IDEA_1, IDEA_2 = "zqidea1 walking standups", "zqidea2 async updates"
MORE = "zqmore standing standups"  # from "More like this"
DRAFTED = "zqdrafted a draft of idea two"  # from "Draft this"
DM_DRAFT_OUT = "zqdmdraftout Welcome aboard!"
AI_WROTE = (IDEA_1, IDEA_2, MORE, DRAFTED, POLISH_OUT, DM_IDEA, DM_DRAFT_OUT)


@pytest.fixture
def dm() -> str:
    """Where Alice talks to idealoop in a DM: the agent DM, or the legacy assistant pane."""
    return "agent"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str, dm: str) -> Iterator[RunningApp]:
    slack.state.streaming_refused = True
    slack.state.agent_view = dm == "agent"
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05",
                     IDEALOOP_EMBEDDING_MODEL="fake-embed") as running:
        yield running


def brainstorm(app: RunningApp, llm: FakeOpenAI, topic: str, ideas: list[str],
               user: str) -> list[dict[str, Any]]:
    llm.reply(json.dumps({"ideas": ideas}))
    reply = app.sender.command(topic, user=user, response_url=app.slack.new_response_url())
    assert reply.status == 200
    assert app.deps.wait_quiet(timeout=20)
    header = app.slack.calls_to("chat.postMessage")[-len(ideas) - 1].response["ts"]
    return app.slack.state.thread(CHANNEL, header)[1:]


def click(app: RunningApp, message: dict[str, Any], name: str, user: str) -> None:
    message = app.slack.state.get_message(CHANNEL, message["ts"])
    action = find_button(message, name)
    assert action is not None, f"no {name} button"
    reply = app.sender.click(action, user=user, channel=CHANNEL, message=message,
                             response_url=app.slack.new_response_url(channel=CHANNEL,
                                                                     user=user))
    assert reply.status == 200
    assert app.deps.wait_quiet(timeout=20)


def decide(app: RunningApp, message: dict[str, Any], user: str,
           values: dict[str, str | None]) -> None:
    """"Decide…" on `message` and its form submitted with `values`."""
    click(app, message, "decide", user)
    modal = app.slack.calls_to("views.open")[-1].response["view"]
    reply = app.sender.submit(modal, values, user=user)
    assert reply.status == 200 and reply.body == "", reply.body
    assert app.deps.wait_quiet(timeout=20)


def shortcuts_on_her_message(app: RunningApp, llm: FakeOpenAI) -> None:
    """Dan uses each message shortcut on a message of Alice's: her words go into his
    brainstorm's topic, his critique and his polished version of it."""
    app.slack.state.add_user(DAN, "dan")
    message = app.slack.state.post_message(CHANNEL, SHORTCUT_ON, user=ALICE)
    for callback_id, reply in ((shortcuts.BRAINSTORM_SHORTCUT,
                                json.dumps({"ideas": ["Notes written during the retro"]})),
                               (shortcuts.FEEDBACK_SHORTCUT, FEEDBACK_OUT),
                               (shortcuts.POLISH_SHORTCUT, POLISHED_OUT)):
        llm.reply(reply)
        assert app.sender.shortcut(
            callback_id, user=DAN, channel=CHANNEL, message=message,
            response_url=app.slack.new_response_url(channel=CHANNEL, user=DAN)).status == 200
        assert app.deps.wait_quiet(timeout=20)


def mention(app: RunningApp, text: str, thread_ts: str, user: str) -> None:
    message = app.slack.state.post_message(CHANNEL, f"<@{BOT}> {text}", user=user,
                                           thread_ts=thread_ts)
    assert app.sender.event(mention_event(user=user, text=message["text"], channel=CHANNEL,
                                          ts=message["ts"], thread_ts=thread_ts)).status == 200
    assert app.deps.wait_quiet(timeout=20)


def in_dm(app: RunningApp, llm: FakeOpenAI, dm: str, said: list[tuple[str, str]]) -> None:
    """Alice writes in her DM — a session of the agent DM, or the assistant pane — each
    text of `said`, answered by the LLM's reply beside it."""
    if dm == "agent":
        root: str | None = None
        for text, reply in said:
            llm.reply(reply)
            message = app.slack.state.post_message(DM, text, user=ALICE, thread_ts=root)
            event = dm_message_event(user=ALICE, text=text, channel=DM, ts=message["ts"])
            if root:
                event["thread_ts"] = root
            assert app.sender.event(event).status == 200
            assert app.deps.wait_quiet(timeout=20)
            root = root or str(message["ts"])
        return
    pane = app.slack.state.post_message(DM, "New chat", as_bot=True)
    assert app.sender.event(assistant_thread_started_event(
        user=ALICE, channel=DM, thread_ts=pane["ts"])).status == 200
    assert app.deps.wait_quiet()
    for text, reply in said:
        llm.reply(reply)
        message = app.slack.state.post_message(DM, text, user=ALICE, thread_ts=pane["ts"])
        assert app.sender.event(assistant_message_event(
            user=ALICE, text=text, channel=DM, ts=message["ts"],
            thread_ts=pane["ts"])).status == 200
        assert app.deps.wait_quiet(timeout=20)


def write_through_every_path(app: RunningApp, llm: FakeOpenAI, db_url: str,
                             dm: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Alice's words and the AI's, through every path that stores them; her first idea."""
    app.slack.state.add_user(ALICE, NAME)
    assert app.sender.command(f"guide {GUIDE}", user=ALICE).status == 200
    first, second = brainstorm(app, llm, TOPIC, [IDEA_1, IDEA_2], ALICE)
    assert app.sender.reaction(user=BOB, emoji="+1", channel=CHANNEL,
                               ts=first["ts"]).status == 200
    assert app.deps.wait_quiet()
    llm.reply(json.dumps({"ideas": [MORE]}))
    click(app, first, "more", BOB)  # Bob's brainstorm on her topic, seeded by idea 1
    app.slack.state.post_message(CHANNEL, "Idea two, please", user=ALICE,
                                 thread_ts=second["thread_ts"])
    llm.reply(DRAFTED)
    click(app, second, "draft", BOB)  # Bob's draft of idea 2, drawing on her reply
    root = app.slack.state.post_message(CHANNEL, POLISHED, user=ALICE)
    llm.reply(POLISH_OUT)
    mention(app, INSTRUCTION, root["ts"], ALICE)
    decide(app, first, ALICE, {"decision": DECISION, "owner": BOB,
                               "due": date.today().isoformat(), "note": DECISION_NOTE})
    shortcuts_on_her_message(app, llm)
    assert app.sender.command("digest daily 09:00", user=ALICE).status == 200
    assert app.deps.wait_quiet()
    digest = subprocess.run([sys.executable, "-m", "bot.cli", "digest", "--channel", CHANNEL,
                             "--period", "day"], env=_env(app, db_url), capture_output=True,
                            text=True, timeout=60)
    assert digest.returncode == 0, digest.stderr

    in_dm(app, llm, dm, [(f"brainstorm {DM_TOPIC}", json.dumps({"ideas": [DM_IDEA]})),
                         (DM_DRAFT, DM_DRAFT_OUT)])

    # Alice installed the app (OAuth): slack_sdk's row names her and keeps her token.
    SQLAlchemyInstallationStore(client_id="111.222", engine=app.stores.engine).save(
        Installation(app_id="A0APP", team_id=app.slack.state.team_id, bot_token="xoxb-bot",
                     bot_id="B0BOT", bot_user_id=BOT, bot_scopes="chat:write", user_id=ALICE,
                     user_token=USER_TOKEN, user_scopes="identify"))
    return first, second


def decide_unchanged(app: RunningApp, marker: str, user: str) -> None:
    """`user` decides on the bot's message holding `marker`, keeping the decision
    "Decide…" prefilled from it."""
    [message] = [m for root in app.slack.state.history(CHANNEL)
                 for m in app.slack.state.thread(CHANNEL, root["ts"])[1:]
                 if m.get("bot_id") and marker in json.dumps(m.get("blocks"))]
    click(app, message, "decide", user)
    modal = app.slack.calls_to("views.open")[-1].response["view"]
    [prefill] = [b["element"]["initial_value"] for b in modal["blocks"]
                 if b.get("block_id") == "decision"]
    reply = app.sender.submit(modal, {"decision": prefill, "owner": user,
                                      "due": date.today().isoformat(), "note": None},
                              user=user)
    assert reply.status == 200 and reply.body == "", reply.body
    assert app.deps.wait_quiet(timeout=20)


def later_brainstorm(app: RunningApp, llm: FakeOpenAI, second: dict[str, Any]) -> None:
    """Carol's brainstorm after all that: its inputs carry the approved idea, the
    rejected one and the guidance; the rejected one's embedding is kept. And Dan's
    decision on Alice's polish, its words unchanged."""
    decide_unchanged(app, "zqpolout", DAN)
    [copy] = [d for d in app.stores.decisions.export_rows() if "zqpolout" in d.text]
    assert "\n" not in copy.text and "https://example.com/standup" in copy.text
    for user in (CAROL, DAN):  # outweighing Bob's "Draft this"
        assert app.sender.reaction(user=user, emoji="-1", channel=CHANNEL,
                                   ts=second["ts"]).status == 200
    assert app.deps.wait_quiet()
    brainstorm(app, llm, "carol plans the offsite", ["Offsite by the lake"], CAROL)
    inputs = app.stores.brainstorms.latest_brainstorm_by(CHANNEL, CAROL)
    assert inputs is not None and inputs.inputs is not None
    assert IDEA_1 in inputs.inputs["approved"] and inputs.inputs["guidance"] == GUIDE
    assert IDEA_2 in inputs.inputs["rejected"]


def vectors_before(engine: Engine, cutoff: datetime) -> int:
    """Embeddings kept of items created before `cutoff`."""
    with engine.connect() as conn:
        return len(conn.execute(select(ItemVector.item_id).join(
            Item, Item.id == ItemVector.item_id).where(Item.created_at < cutoff)).all())


def _env(app: RunningApp, db_url: str) -> dict[str, str]:
    """The CLI's environment: this tree's code first on the path (`child_env`), so the
    child runs the code under test even where another checkout is installed."""
    return {**child_env(**app_env(app.slack, db_url, IDEALOOP_LLM="offline")),
            "PATH": "/usr/bin:/bin"}


def text_columns(engine: Engine) -> dict[str, list[str]]:
    """Every text column of every table, as the database has them (JSON included)."""
    schema = inspect(engine)
    found: dict[str, list[str]] = {}
    for name in schema.get_table_names():
        found[name] = [c["name"] for c in schema.get_columns(name)
                       if isinstance(c["type"], String | Text | JSON | LargeBinary)]
    return found


def scan(engine: Engine, markers: Iterable[str]) -> Counter[str]:
    """Where the markers are: how many values of each table.column hold one."""
    where: Counter[str] = Counter()
    markers = [marker.lower() for marker in markers]
    with engine.connect() as conn:
        for name, columns in text_columns(engine).items():
            if not columns:
                continue
            rows = conn.execute(select(*(sql_column(c) for c in columns))
                                .select_from(table(name)))
            for row in rows:
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    said = (value.decode("latin-1") if isinstance(value, bytes)
                            else value if isinstance(value, str) else json.dumps(value))
                    if any(marker in said.lower() for marker in markers):
                        where[f"{name}.{column}"] += 1
    return where


def on_disk(db_url: str, markers: Iterable[str]) -> dict[str, list[str]]:
    """SQLite: the markers in the bytes of the database file and its write-ahead log."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return {}
    path = Path(str(url.database))
    found = {}
    for file in (path, path.with_name(path.name + "-wal")):
        data = file.read_bytes().lower() if file.exists() else b""
        found[file.name] = [m for m in markers if m.lower().encode() in data]
    return found


def _found_on_disk(db_url: str, markers: list[str]) -> bool:
    """True when the disk scan finds the markers (always, on PostgreSQL: not scanned)."""
    found = on_disk(db_url, markers)
    return not found or set(markers) <= {m for where in found.values() for m in where}


def markers_of(words: Iterable[str]) -> list[str]:
    """The marker word of each text (`zq…`), as the scan looks for it."""
    return [next(w for w in text.split() if w.startswith(("zq", "xoxp-zq"))) for text in words]


@pytest.mark.parametrize(("how", "dm"), [("cli", "pane"), ("command", "agent")])
def test_forget_removes_every_copy_of_a_persons_words(
        app: RunningApp, llm: FakeOpenAI, db_url: str, how: str, dm: str) -> None:
    first, second = write_through_every_path(app, llm, db_url, dm)
    later_brainstorm(app, llm, second)
    hers = markers_of(HERS)
    before = scan(app.stores.engine, hers)
    print(f"\n{how} before forget:", dict(sorted(before.items())))
    # The scan finds what it looks for: each of her words is stored somewhere.
    assert {m for m in hers if scan(app.stores.engine, [m])} == set(hers)
    assert before["brainstorms.inputs"] >= 2  # Bob's and Carol's brainstorms carry her words
    # the words kept for the rejection filter with her DM's idea are a copy of it too
    assert before["items.idea_form"] >= 1 and before["items.idea_words"] >= 1
    # her message, brought in by Dan's shortcuts: his brainstorm's topic, the request that
    # carried it, his critique of it and his polished version
    assert before["brainstorms.topic"] >= 2 and before["work.request"] >= 1
    assert _found_on_disk(db_url, hers)  # and the disk scan finds them in the file or log

    if how == "cli":
        done = subprocess.run([sys.executable, "-m", "bot.cli", "forget", "--user", ALICE,
                               "--yes"], env=_env(app, db_url), capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
    else:
        reply = app.sender.command("forget me", user=ALICE)
        button = find_button({"blocks": reply.json()["blocks"]}, "forget")
        assert button is not None
        app.sender.click(button, user=ALICE, channel=CHANNEL,
                         message={"ts": "1700000000.000100"},
                         response_url=app.slack.new_response_url(channel=CHANNEL, user=ALICE),
                         ephemeral=True)
        assert app.deps.wait_quiet()
        said = app.slack.calls_to("response_url")[-1].params["text"]
        assert said.startswith("Done: idealoop has forgotten you") and \
            "1 idea in a direct message" in said and "copies elsewhere" in said

    after = scan(app.stores.engine, hers)
    print(f"{how} after forget:", dict(sorted(after.items())))
    assert after == Counter()
    assert on_disk(db_url, hers) in ({}, {"idealoop.db": [], "idealoop.db-wal": []})
    with app.stores.engine.connect() as conn:  # the installation keeps the bot, not her
        assert conn.execute(select(sql_column("user_id"), sql_column("bot_token")).select_from(
            table("slack_installations"))).all() == [("", "xoxb-bot")]
    # What steered Bob's and Carol's brainstorms says her words were removed.
    carol = json.dumps(app.sender.command("why", user=CAROL).json()["blocks"])
    assert f"guidance:* {REMOVED_INPUT}" in carol and not any(m in carol for m in hers)
    bob = json.dumps(app.sender.command("why", user=BOB).json()["blocks"])
    assert "its words are no longer kept" in bob and not any(m in bob for m in hers)
    # "More like this" on her idea (the AI's words stay) still works, without her topic.
    llm.reply(json.dumps({"ideas": ["Sitting standups"]}))
    click(app, first, "more", CAROL)
    assert scan(app.stores.engine, hers) == Counter()
    carol = json.dumps(app.sender.command("why", user=CAROL).json())
    assert "more like this idea" in carol and IDEA_1 in carol

def test_retention_removes_every_copy_of_expired_texts(
        app: RunningApp, llm: FakeOpenAI, db_url: str, dm: str) -> None:
    _, second = write_through_every_path(app, llm, db_url, dm)
    cutoff = utcnow()
    later_brainstorm(app, llm, second)  # newer than the cut-off; carries expired idea texts
    assert vectors_before(app.stores.engine, cutoff) >= 1  # the rejected idea's embedding
    expired = markers_of((*AI_WROTE, TOPIC, INSTRUCTION, DM_TOPIC, DM_DRAFT, DECISION,
                          DECISION_NOTE, SHORTCUT_ON, FEEDBACK_OUT, POLISHED_OUT))
    before = scan(app.stores.engine, expired)
    print("\nbefore retention:", dict(sorted(before.items())))
    assert {m for m in expired if scan(app.stores.engine, [m])} == set(expired)
    assert before["items.idea_form"] >= 4 and before["items.idea_words"] >= 4  # the ideas'
    assert _found_on_disk(db_url, expired)

    privacy = Privacy(Settings(retention_days=1),
                      PrivacyStore(app.stores.engine, clock=lambda: cutoff + timedelta(days=1)),
                      owner="test", clock=lambda: cutoff + timedelta(days=1))
    purged = privacy.purge_if_due()
    assert purged is not None and purged.copies >= 1 and purged.log_cleared
    assert vectors_before(app.stores.engine, cutoff) == 0  # a vector can be read back
    after = scan(app.stores.engine, expired)
    print("after retention:", dict(sorted(after.items())))
    assert after == Counter()
    assert on_disk(db_url, expired) in ({}, {"idealoop.db": [], "idealoop.db-wal": []})
    why = json.dumps(app.sender.command("why", user=CAROL).json()["blocks"])
    assert REMOVED_INPUT in why  # the expired ideas it drew on are said to be gone
    assert "carol plans the offsite" in why  # her own topic is not expired
