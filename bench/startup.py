"""How fast idealoop starts: `idealoop --help`, and `idealoop shell` until its prompt.

A person who types `idealoop --help` or opens the emulator waits for all of it: the
interpreter, the imports, and for the shell the database migration check, the app
factory and the emulated Slack. Each command runs as its own process, several times,
and the median is reported next to the baseline of the same run: a bare interpreter
(`python -c pass`), which no change to idealoop can make faster.

The shell runs on a pseudo-terminal, exactly as a person would start it, and the clock
stops when its prompt (`#general alice> `) appears.
"""

from __future__ import annotations

import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import QUICK, Row, banner
from testkit.processes import child_env

IDEALOOP = [sys.executable, "-m", "bot.cli"]
PROMPT = b"alice> "


def _wall(command: list[str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=child_env(), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True, timeout=60)
    return time.perf_counter() - started


def _until_prompt(cwd: str, timeout: float = 30.0) -> float:
    """Seconds from exec to the shell's prompt on a pseudo-terminal; then `quit`."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: become `idealoop shell --fresh` in `cwd`
        os.chdir(cwd)
        os.execve(IDEALOOP[0], [*IDEALOOP, "shell", "--fresh"], child_env(NO_COLOR="1"))
    seen = b""
    try:
        while PROMPT not in seen:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise TimeoutError(f"no shell prompt within {timeout:.0f} s: {seen[-300:]!r}")
            seen += os.read(fd, 4096)
        elapsed = time.perf_counter() - started
        os.write(fd, b"quit\n")
        while True:  # drain until the shell exits and the terminal closes
            try:
                if not os.read(fd, 4096):
                    break
            except OSError:
                break
        return elapsed
    finally:
        os.close(fd)
        os.waitpid(pid, 0)


def _median(sample: list[float]) -> str:
    return f"{statistics.median(sample) * 1000:.0f} ms"


def measure(quick: bool = QUICK) -> list[Row]:
    runs = 5 if quick else 15
    banner("start-up", f"median of {runs} runs each")
    with tempfile.TemporaryDirectory(prefix="idealoop-startup-") as cwd:
        Path(cwd, ".env").write_text("")  # no developer settings leak in
        bare = [_wall([sys.executable, "-c", "pass"], cwd) for _ in range(runs)]
        helps = [_wall([*IDEALOOP, "--help"], cwd) for _ in range(runs)]
        prompts = [_until_prompt(cwd) for _ in range(runs)]
    base = statistics.median(bare)
    for label, sample in (("python -c pass (baseline)", bare), ("idealoop --help", helps),
                          ("idealoop shell --fresh to its prompt", prompts)):
        print(f"  {label:40s} median {_median(sample)}, slowest {max(sample) * 1000:.0f} ms, "
              f"{statistics.median(sample) / base:.1f}x the bare interpreter", flush=True)
    return [
        ("idealoop --help", f"{_median(helps)} (bare interpreter {_median(bare)}; "
                            f"{statistics.median(helps) / base:.1f}x)"),
        ("idealoop shell --fresh: exec → prompt", f"{_median(prompts)} (bare interpreter "
                                                  f"{_median(bare)})"),
    ]


if __name__ == "__main__":
    measure()
