"""Which owners of work are certainly dead: only processes on this host that are gone."""

from __future__ import annotations

import subprocess
import sys

from bot.work import is_dead, process_name


def test_this_process_and_other_apps_in_it_are_alive() -> None:
    me, other_app = process_name(), process_name()
    assert not is_dead(me, me) and not is_dead(other_app, me)


def test_a_process_that_ended_is_dead() -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "from bot.work import process_name; print(process_name())"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert is_dead(ended, process_name())


def test_a_reused_pid_is_not_its_old_process() -> None:
    host, pid, started, nonce = process_name().split(":")
    assert is_dead(f"{host}:{pid}:{int(started) - 1}:{nonce}", process_name())


def test_other_hosts_and_strange_names_are_left_to_their_leases() -> None:
    me = process_name()
    _, pid, started, nonce = me.split(":")
    assert not is_dead(f"elsewhere/1:{pid}:{started}:{nonce}", me)
    assert not is_dead("not-an-owner", me) and not is_dead(f"{me}:extra", me)
