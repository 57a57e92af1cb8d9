"""`idealoop shell`, the local emulator: the real app behind an emulated Slack, in a terminal.

Two ways in: the `idealoop shell` command in a subprocess with piped stdin (what a person
runs), and the `Shell` class driven line by line from Python (what the other tests use).
Assertions are on the transcript text, the way a person reads it.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

from bot.command_parser import shell_commands
from bot.config import Settings
from bot.emulator.shell import HELP, Shell
from bot.emulator.shell_actions import SHORTCUTS as SHORTCUT_IDS
from handlers import shortcuts
from storage.work import NewWork
from testkit.processes import child_env

ANSI = re.compile(r"\x1b\[")
TOPIC = "shorter standups"


# -- helpers -------------------------------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = child_env(**extra)
    if "NO_COLOR" not in extra:
        env.pop("NO_COLOR", None)
    return env


def run_shell(stdin: str, cwd: Path, *args: str, color_env: bool = False,
              **env: str) -> subprocess.CompletedProcess[str]:
    """`idealoop shell ARGS` with `stdin` piped in; NO_COLOR=1 unless `color_env`."""
    if not color_env:
        env.setdefault("NO_COLOR", "1")
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell", *args],
        input=stdin, capture_output=True, text=True, encoding="utf-8", cwd=cwd,
        env=_env(**env), timeout=60, check=False,
    )


def assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout
    assert proc.stderr == "", "log lines would print above the transcript"
    assert not ANSI.search(proc.stdout), "colour escapes in piped output"


def idea_texts(transcript: str) -> dict[int, str]:
    """Message number → idea text, for the numbered idea replies in a transcript."""
    return {int(n): text for n, text in
            re.findall(r"^ *↳ \[(\d+)\] idealoop: \d+\. (.+)$", transcript, re.MULTILINE)}


def between(text: str, start: str, end: str | None = None) -> str:
    """The part of `text` from the line echoing `start` up to the one echoing `end`."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.endswith("> " + start))
    last = (next(i for i, line in enumerate(lines) if i > first and line.endswith("> " + end))
            if end else len(lines))
    return "\n".join(lines[first + 1:last])


def step(shell: Shell, out: io.StringIO, line: str) -> str:
    """Execute one line; return what it printed. The shell must want to go on."""
    start = len(out.getvalue())
    assert shell.execute(line) is True, line
    return out.getvalue()[start:]


# -- 1. the example from the issue, as a person runs it ----------------------------------------


def test_piped_example_brainstorm_react_top(tmp_path: Path) -> None:
    proc = run_shell(f"/brainstorm {TOPIC}\n+1 2\ntop\n", tmp_path)
    assert_clean(proc)
    text = proc.stdout

    banner = text.split("> /brainstorm", 1)[0]
    assert "idealoop shell" in banner
    assert "offline generator" in banner
    assert "database: sqlite:///idealoop.db" in banner
    assert (tmp_path / "idealoop.db").is_file()  # the default database, in the cwd

    # The channel message, then one numbered reply per idea, each labelled as AI-written.
    assert re.search(rf"^\[1\] idealoop: 💡 Brainstorm: {TOPIC}$", text, re.MULTILINE)
    ideas = idea_texts(text)
    assert {2, 3, 4} <= set(ideas), text
    for n, position in ((2, 1), (3, 2), (4, 3)):
        assert re.search(rf"^    ↳ \[{n}\] idealoop: {position}\. \S", text, re.MULTILINE)
    assert text.count("🤖 AI-written by idealoop-offline") >= len(ideas) >= 3

    # The header says it is thinking, then is updated to the number of ideas.
    thinking = text.index("⏳ Thinking… (idealoop-offline)")
    updated = text.index("[1] idealoop (updated): 💡 Brainstorm")
    assert thinking < text.index("↳ [2]") < updated
    assert f"🧵 {len(ideas)} ideas in the thread" in text[updated:]
    assert len(ideas) == 5

    react = between(text, "+1 2", "top")
    assert react.strip() == "[2] reactions: 👍 1"

    top = between(text, "top")
    assert top.startswith("(only visible to you) 🏆 Top ideas")
    assert f"  1. {ideas[2]}" in top.splitlines()
    assert "approved by @alice" in top
    assert not re.search(r"^  2\. ", top, re.MULTILINE)  # only one idea was approved
    assert text.rstrip().endswith("bye")


# -- 2. signals outlive a session; --fresh does not see them -----------------------------------


def test_signals_accumulate_across_runs_and_fresh_starts_empty(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/x.db"
    # No NO_COLOR here: piping alone must keep colour escapes out.
    first = run_shell(f"/brainstorm {TOPIC}\n+1 3\nquit\n", tmp_path, "--db", db,
                      color_env=True)
    assert_clean(first)
    approved = idea_texts(first.stdout)[3]
    assert f"database: {db}" in first.stdout

    second = run_shell("top all\n", tmp_path, "--db", db)
    assert_clean(second)
    top = between(second.stdout, "top all")
    assert "Top ideas" in top
    assert f"  1. {approved}" in top.splitlines()
    assert "approved by @alice" in top

    # DATABASE_URL points at the same database, but --fresh wins: nothing approved there.
    fresh = run_shell("top all\n", tmp_path, "--fresh", DATABASE_URL=db)
    assert_clean(fresh)
    assert "a fresh temporary database" in fresh.stdout
    assert "No approved ideas in this channel for all time yet" in fresh.stdout
    assert approved not in fresh.stdout


# -- 3. the Python API, command by command --------------------------------------------------


def test_python_api_commands(shell: Shell, out: io.StringIO) -> None:
    assert "offline generator" in shell.banner()
    assert shell.prompt() == "#general alice> "

    posted = step(shell, out, f"/brainstorm {TOPIC}")
    ideas = idea_texts(posted)
    assert sorted(ideas) == [2, 3, 4, 5, 6]
    assert "🧵 5 ideas in the thread" in posted

    assert step(shell, out, "+1 3").strip() == "[3] reactions: 👍 1"
    assert step(shell, out, ":fire: 3").strip() == "[3] reactions: 👍 1  🔥 1"
    assert step(shell, out, "-:fire: 3").strip() == "[3] reactions: 👍 1"
    assert step(shell, out, "-1 4").strip() == "[4] reactions: 👎 1"

    assert step(shell, out, "as bob").strip() == "» You are now bob."
    assert shell.prompt() == "#general bob> "
    assert step(shell, out, "+1 3").strip() == "[3] reactions: 👍 2"
    assert step(shell, out, "-1 4").strip() == "[4] reactions: 👎 2"
    assert step(shell, out, ":fire: 5").strip() == "[5] reactions: 🔥 1"
    assert step(shell, out, "-:fire: 5").strip() == "[5] reactions: none"

    # export: one JSON line per idea, with the signals the reactions left.
    exported = step(shell, out, "export").splitlines()
    assert exported[0] == ("» Exporting #general (C0GENERAL): every idea and draft posted "
                           "there, with its signals.")
    rows = [json.loads(line) for line in exported[1:]]
    by_position = {row["position"]: row for row in rows}
    assert sorted(by_position) == [1, 2, 3, 4, 5]
    assert {row["kind"] for row in rows} == {"idea"}
    assert {row["topic"] for row in rows} == {TOPIC}
    assert by_position[2]["text"] == ideas[3]
    signals = {p: (r["approvals"], r["rejections"], r["score"]) for p, r in by_position.items()}
    assert signals == {1: (0, 0, 0), 2: (2, 0, 2), 3: (0, 2, -2), 4: (0, 0, 0), 5: (0, 0, 0)}

    # open a thread, and come back to the channel.
    thread = step(shell, out, "open 1")
    assert shell.prompt() == "#general › thread [1] bob> "
    assert thread.startswith(f"[1] idealoop: 💡 Brainstorm: {TOPIC}")
    assert all(f"↳ [{n}] idealoop: " in thread for n in ideas)
    assert "    reactions: 👍 2" in thread.splitlines()
    assert step(shell, out, "back") == ""
    assert shell.prompt() == "#general bob> "

    # other channels: a new one is empty; #name goes back.
    assert step(shell, out, "channel ideas").strip() == "» Now in #ideas."
    assert shell.prompt() == "#ideas bob> "
    assert step(shell, out, "show").strip() == "» No messages here yet."
    assert step(shell, out, "export").strip() == "» Nothing to export in #ideas (C0IDEAS) yet."
    assert step(shell, out, "#general").strip() == "» Now in #general."
    assert shell.prompt() == "#general bob> "

    # show: the channel view has the brainstorm message, not the replies.
    shown = step(shell, out, "show")
    assert shown.startswith(f"[1] idealoop: 💡 Brainstorm: {TOPIC}")
    assert "🧵 5 ideas in the thread" in shown
    assert "↳" not in shown

    assert step(shell, out, "help").startswith(HELP + "\nChannels (name, id):\n")

    usage = step(shell, out, "/brainstorm help")
    assert usage.startswith("(only visible to you) idealoop — brainstorm with the AI")
    assert "/brainstorm <topic>" in usage

    digest = step(shell, out, "digest")
    assert re.match(r"\[7\] idealoop: 📅 Daily idea digest", digest), digest
    assert f"1. {ideas[3]}" in digest
    assert "approved by alice, bob" in digest
    assert ideas[4] not in digest  # rejected ideas are not in the digest
    assert re.search(r"^» Digest of #general \(C0GENERAL\) for \w{3} \d\d \w{3} \d{4} "
                     r"\d\d:\d\d – .+ \(UTC\): posted with 1 ideas\.$", digest,
                     re.MULTILINE), digest

    assert step(shell, out, "hello team").strip() == "[8] bob: hello team"

    mention = step(shell, out, "@idealoop do something")
    lines = mention.splitlines()
    assert lines[0] == "[9] bob: @idealoop do something"
    assert sum("@idealoop do something" in line for line in lines) == 1
    assert re.search(r"^    ↳ \[10\] idealoop( \(updated\))?: ", mention, re.MULTILINE), mention
    assert "Traceback" not in out.getvalue()

    assert not ANSI.search(out.getvalue())
    assert shell.execute("quit") is False
    assert shell.execute("exit") is False


def test_colour_only_when_asked(tmp_path: Path) -> None:
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path}/c.db"})
    with Shell(settings, out=io.StringIO(), color=True) as coloured:
        assert ANSI.search(coloured.banner())
    with Shell(settings, out=io.StringIO(), color=False) as plain:
        assert not ANSI.search(plain.banner())


# -- 4. bad input: one clear line, nothing changed, the shell still works ---------------------

BAD_INPUT = [
    ("/foo", "» Unknown command /foo. Type `help` for what works here."),
    ("+1 99", "» There is no message [99]. Messages are numbered in [brackets]."),
    ("+1 0", "» There is no message [0]. Messages are numbered in [brackets]."),
    ("+1 2", "» You already reacted with :+1: on [2]."),
    ("-:fire: 2", "» You had not reacted with :fire: on [2]."),
    ("open", "» Say which message to open, by its number: `open 3`."),
    ("open abc", "» Say which message to open, by its number: `open 3`."),
    ("open 99", "» There is no message [99]. Messages are numbered in [brackets]."),
    ("open 0", "» There is no message [0]. Messages are numbered in [brackets]."),
    ("open -1", "» There is no message [-1]. Messages are numbered in [brackets]."),
    ("channel !!", "» Channel names are lower-case letters, digits, - and _: `channel ideas`."),
    ("as", "» Say who to act as: `as bob`."),
    ("as idealoop", "» You cannot act as the bot."),
    ("advance soon", "» Say how far to move the clock: `advance 1d`, `advance 3h`, `advance 30m`."),
]


def test_bad_input_explains_and_changes_nothing(shell: Shell, out: io.StringIO) -> None:
    step(shell, out, f"/brainstorm {TOPIC}")
    assert step(shell, out, "+1 2").strip() == "[2] reactions: 👍 1"
    numbered, cursor = len(shell.messages), shell.cursor

    for line, expected in BAD_INPUT:
        assert step(shell, out, line).splitlines() == [expected], line
        assert (len(shell.messages), shell.cursor) == (numbered, cursor), line

    # An empty topic answers with the usage, to this person only.
    usage = step(shell, out, "/brainstorm").splitlines()
    assert usage[0].startswith("(only visible to you) idealoop — brainstorm with the AI")
    assert any("/brainstorm <topic>" in line for line in usage)
    assert all(line.startswith("  ") for line in usage[1:]), usage

    long_topic = "word " * 100
    too_long = step(shell, out, f"/brainstorm {long_topic}").splitlines()
    assert len(too_long) == 1, too_long
    assert too_long[0].startswith("(only visible to you) That topic is")
    assert "keep it under 300" in too_long[0]
    assert (len(shell.messages), shell.cursor) == (numbered, cursor)

    # Still usable: a new brainstorm is posted and numbered after the old messages.
    again = step(shell, out, "/brainstorm shorter retros")
    assert re.match(rf"\[{numbered + 1}\] idealoop: 💡 Brainstorm: shorter retros", again)
    assert len(idea_texts(again)) == 5
    assert "Traceback" not in out.getvalue()


def test_people_get_their_own_ids(shell: Shell, out: io.StringIO) -> None:
    # Names that reduce to the same id ("dave-x", "davex"), or to the bot's ("bot"),
    # are different people; nobody is renamed by someone else's `as`.
    step(shell, out, "as dave-x")
    assert step(shell, out, "hi").strip() == "[1] dave-x: hi"
    step(shell, out, "as davex")
    assert step(shell, out, "hello").strip() == "[2] davex: hello"
    step(shell, out, "as bot")
    assert step(shell, out, "hey").strip() == "[3] bot: hey"
    shown = step(shell, out, "show").splitlines()
    assert shown == ["[1] dave-x: hi", "[2] davex: hello", "[3] bot: hey"]
    assert shell.state.users[shell.state.bot_user_id] == "idealoop"


# -- 5. failures at the edges of a session ---------------------------------------------------


def test_broken_database_url_is_one_clear_line(tmp_path: Path) -> None:
    proc = run_shell("top\n", tmp_path,
                     DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert proc.returncode != 0
    assert proc.stdout == ""
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 1, proc.stderr
    assert "DATABASE_URL" in errors[0]
    assert "Traceback" not in proc.stderr


def test_end_of_input_says_bye(tmp_path: Path) -> None:
    proc = run_shell("help\n", tmp_path, "--fresh")  # no `quit`: stdin just ends (Ctrl-D)
    assert_clean(proc)
    lines = proc.stdout.splitlines()
    assert lines[-1] == "bye"
    assert "#general alice> help" in lines
    assert "  help, quit               this text; leave (Ctrl-D works too)" in lines


# -- 6. the LLM is down -------------------------------------------------------------------------


def test_llm_down_warns_and_shell_keeps_working(tmp_path: Path, out: io.StringIO) -> None:
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path}/down.db",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",  # discard port: nothing answers
        "IDEALOOP_LLM_RETRIES": "0",
        "IDEALOOP_LLM_TIMEOUT": "2",
    })
    with Shell(settings, out=out) as session:
        assert "at http://127.0.0.1:9/v1" in session.banner()
        failed = step(session, out, "/brainstorm x")
        warnings = [line for line in failed.splitlines() if "not answering" in line]
        assert len(warnings) == 1, failed
        assert warnings[0].lstrip().startswith("⚠️")
        assert "[1] idealoop (updated): 💡 Brainstorm: x" in failed
        assert idea_texts(failed) == {}

        # Nothing was saved, and the shell goes on.
        assert step(session, out, "export").strip() == \
            "» Nothing to export in #general (C0GENERAL) yet."
        assert step(session, out, "still here").strip() == "[2] alice: still here"
        assert step(session, out, "/brainstorm help").startswith("(only visible to you)")
        assert session.execute("quit") is False


def test_an_event_the_app_does_not_take_is_delivered_again_then_given_up(
        shell: Shell, out: io.StringIO) -> None:
    """As Slack does: three re-deliveries of an event not answered 200, then it gives up.
    Here the header of a brainstorm that another process is still running: the app asks
    for the reaction again later, in case it is on an idea not recorded yet."""
    first = step(shell, out, f"/brainstorm {TOPIC}")
    assert first.startswith("[1] idealoop: 💡 Brainstorm")
    assert shell.deps is not None
    running = shell.deps.work.store.accept(NewWork(
        kind="brainstorm", delivery_key="command:elsewhere", channel=shell.cursor.channel,
        user_id="U0ALICE", request={"topic": "t"}, team=shell.state.team_id),
        owner="another process", lease=300)
    assert running is not None
    said = step(shell, out, "+1 1")
    assert "HTTP 503 to your reaction and to each of Slack's 3 re-deliveries" in said
    assert shell.deps.work.store.finish(running)
    assert step(shell, out, "-1 1").strip() == "[1] reactions: 👍 1  👎 1"  # taken at once


def test_buttons_can_be_clicked(shell: Shell, out: io.StringIO) -> None:
    shown = step(shell, out, "/brainstorm shorter standups")
    assert "[👍]  [👎]" in shown and "[📝 Draft this]  [✨ More like this]" in shown
    assert "[🔍 Why these ideas?]" in shown
    assert "👍 Counted: you approve this idea" in step(shell, out, "click 2 👍")
    assert "Taken back" in step(shell, out, "click 2 up")
    assert "Ideas this channel rejects are not proposed" in step(shell, out, "click 3 -1")
    assert "This brainstorm: shorter standups" in step(shell, out, "click 1 why")
    assert "📝 Draft ·" in step(shell, out, "click 2 draft")
    assert "More like idea 3, asked by @alice" in step(shell, out, "click 4 more")
    assert "has no draft button" in step(shell, out, "click 1 draft")
    assert "Say which message and which button" in step(shell, out, "click")


def test_home_tab_and_its_modals(shell: Shell, out: io.StringIO) -> None:
    step(shell, out, "/brainstorm shorter standups")
    step(shell, out, "+1 2")
    home = step(shell, out, "home")
    assert "┌ Home tab" in home and "#general — 100% of decided ideas approved" in home
    assert "[Change digest]  [Edit guidance]" in home
    modal = step(shell, out, "home guide #general")
    assert "┌ modal: Channel guidance" in modal and "submit <text>" in modal
    assert "@alice set this channel's guidance" in step(shell, out, "submit Be brief.")
    step(shell, out, "home digest #general")
    assert "The modal says: I don't understand “hourly”" in step(shell, out, "submit hourly")
    assert "changed this channel's digest" in step(shell, out, "submit weekly 10:00 UTC")
    assert "No modal is open" in step(shell, out, "submit again")
    assert "for a channel it shows" in step(shell, out, "home guide #elsewhere")


def test_the_agent_dm(shell: Shell, out: io.StringIO) -> None:
    first = step(shell, out, "dm idealoop brainstorm onboarding")
    assert "(dm) suggested: Brainstorm on…" in first and "Hi! I brainstorm" in first
    assert "(dm) session processing · onboarding" in first
    assert "(dm) session active" in first
    assert "in #dm-alice: 💡 Brainstorm: onboarding" in first
    assert "Feedback ·" in step(shell, out, "dm idealoop feedback: We start soon, welcome")
    assert "dm idealoop <text>" in step(shell, out, "dm bob hello")
    assert "suggested" not in step(shell, out, "dm idealoop polish: hello there")


def test_forget_me_asks_first_and_its_buttons_can_be_clicked(
        shell: Shell, out: io.StringIO) -> None:
    step(shell, out, f"/brainstorm {TOPIC}")
    step(shell, out, "+1 2")
    assert "Did you mean /brainstorm forget me, or a brainstorm on" in step(
        shell, out, "/brainstorm forget")
    asked = step(shell, out, "/brainstorm forget me")
    assert asked.startswith("(only visible to you) Forget me?") and "[Forget me]" in asked
    assert "Nothing was removed." in step(shell, out, "click cancel")
    step(shell, out, "/brainstorm forget me")
    done = step(shell, out, "click forget")
    assert "Done: idealoop has forgotten you. Removed 1 reaction or click" in done
    assert "has no draft button" in step(shell, out, "click draft")


def test_help_names_the_subcommands_of_the_table(shell: Shell, out: io.StringIO) -> None:
    assert shell_commands() in step(shell, out, "help")


def test_a_typo_is_asked_about_privately_and_one_click_brainstorms_it(
        shell: Shell, out: io.StringIO) -> None:
    asked = step(shell, out, "/brainstorm stat")
    assert asked.startswith("(only visible to you)") and "[Run /brainstorm stats]" in asked
    assert "[Brainstorm “stat”]" in asked
    done = step(shell, out, "click topic")
    assert "stat" in done and "@alice" in done
    step(shell, out, "/brainstorm guide for new hires")
    assert "set this channel's guidance" in step(shell, out, "click set")


# -- channels by name or id; one wording for what is not there -------------------------------


def test_channels_are_shown_with_their_ids_and_taken_by_either(
        shell: Shell, out: io.StringIO) -> None:
    step(shell, out, "channel ideas")
    listed = step(shell, out, "channels").splitlines()
    assert listed[0] == "Channels (name, id):"
    assert any(line.split() == ["#general", "C0GENERAL"] for line in listed), listed
    assert any(line.split()[:2] == ["#ideas", "C0IDEAS"] and "you are here" in line
               for line in listed), listed
    assert "#general" in step(shell, out, "help") and "C0GENERAL" in out.getvalue()

    assert step(shell, out, "channel C0GENERAL").strip() == "» Now in #general (C0GENERAL)."
    step(shell, out, f"/brainstorm {TOPIC}")
    step(shell, out, "+1 2")
    step(shell, out, "channel ideas")
    for name in ("general", "#general", "C0GENERAL"):
        exported = step(shell, out, f"export {name}").splitlines()
        assert exported[0].startswith("» Exporting #general (C0GENERAL):"), name
        assert len(exported) == 6, name

    unknown = "» There is no channel #nope here. `channels` lists them, with their ids."
    posted = len(shell.messages)
    assert step(shell, out, "export #nope").splitlines() == [unknown]
    assert step(shell, out, "digest #nope").splitlines() == [unknown]
    assert len(shell.messages) == posted

    # The digest says which channel and which period it looked at, posted or not.
    empty = step(shell, out, "digest").strip()
    assert re.fullmatch(r"» Digest of #ideas \(C0IDEAS\) for \w{3} \d\d \w{3} \d{4} \d\d:\d\d – "
                        r"\w{3} \d\d \w{3} \d{4} \d\d:\d\d \(UTC\): nothing approved in the "
                        r"period; nothing posted\.", empty), empty
    posted_digest = step(shell, out, "digest general")
    assert "📅 Daily idea digest" in posted_digest
    assert "» Digest of #general (C0GENERAL) for " in posted_digest


def test_one_wording_for_a_missing_message_or_button(shell: Shell, out: io.StringIO) -> None:
    from bot.emulator.shell import no_such

    step(shell, out, f"/brainstorm {TOPIC}")
    missing = f"» {no_such(42)}"
    assert missing == "» There is no message [42]. Messages are numbered in [brackets]."
    for line in ("click 42 draft", "+1 42", "open 42", "-:fire: 42", "click 42 👍"):
        assert step(shell, out, line).splitlines() == [missing], line
    no_button = f"» {no_such(1, button='draft')}"
    assert no_button.startswith("» Message [1] has no draft button. Buttons: 👍, 👎, draft")
    assert step(shell, out, "click 1 draft").splitlines() == [no_button]
    assert no_such(None, button="forget").startswith(
        "The last message only you saw has no forget button.")


def test_message_shortcuts_on_a_persons_message(shell: Shell, out: io.StringIO) -> None:
    """`shortcut feedback|polish|brainstorm N`: Slack's message shortcuts, each with its
    result in its place; `click post` posts the privately shown polished text."""
    assert set(SHORTCUT_IDS.values()) == set(shortcuts.SHORTCUTS)  # the app's, by id
    assert "shortcut feedback 3" in step(shell, out, "help")
    step(shell, out, "as bob")
    step(shell, out, "We will maybe move the launch to next week because design is really "
                     "not done yet.")
    step(shell, out, "as alice")
    critique = step(shell, out, "shortcut feedback 1")
    assert "(only visible to you) I'm writing feedback on that message in its thread" in critique
    assert "↳ [2] idealoop" in critique and "Feedback · on bob's message" in critique
    polished = step(shell, out, "shortcut polish 1")
    assert "(only visible to you) We will maybe move the launch" in polished
    assert "[Post in thread]" in polished and "↳" not in polished  # nothing in public
    posted = step(shell, out, "click post")
    assert "↳ [3] idealoop: We will maybe move the launch" in posted
    assert "posted at alice's request" in posted and "Posted in the thread." in posted
    ideas = step(shell, out, "shortcut brainstorm 1")
    assert "↳ [4] idealoop: 💡 Brainstorm: We will maybe move the launch" in ideas
    assert "↳ [5] idealoop: 1. " in ideas
    assert "Say which shortcut and which message" in step(shell, out, "shortcut nonsense 1")
    assert "There is no message [99]" in step(shell, out, "shortcut polish 99")
