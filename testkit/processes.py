"""`idealoop serve` and the other commands as real child processes.

A child gets a clean environment (none of the developer's Slack, OpenAI or database
settings, only the ones given), a temporary working directory (no stray `.env` or
`idealoop.db`) unless one is given, and the repository on its path.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
SETTING_PREFIXES = ("SLACK_", "OPENAI_", "IDEALOOP_", "DATABASE_URL", "PORT")
SERVE = ("bot.cli", "serve")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
PORT_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(**settings: str) -> dict[str, str]:
    """This process's environment without any idealoop setting, plus `settings`."""
    keep = {key: value for key, value in os.environ.items()
            if not key.startswith(SETTING_PREFIXES)}
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**keep, "PYTHONPATH": path, **settings}


def idealoop(*args: str, env: dict[str, str], cwd: Path,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `idealoop <args>` to the end, as an operator would from a shell."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


class ServeProcess:
    """`idealoop serve` (or another module, e.g. the bare Bolt baseline) as a child process.

    Logs to a file shown if start-up fails, polled on /healthz until it answers (or, for
    a process that serves no HTTP, e.g. `serve` in Socket Mode, until `ready()` is true),
    stopped with SIGTERM (killed if it has not exited after STOP_TIMEOUT)."""

    where = "subprocess"

    def __init__(self, env: dict[str, str], *, module: tuple[str, ...] = SERVE,
                 cwd: Path | None = None, port: int | None = None,
                 ready: Callable[[], bool] | None = None) -> None:
        self.env = env
        self.ready = ready
        self.module = module
        self._port_given = port is not None
        self._port_taken = False
        self._use_port(port or free_port())
        self.proc: subprocess.Popen[bytes] | None = None
        self.cwd = cwd
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._log: IO[bytes] | None = None
        self._log_path: Path | None = None
        self.started_in = 0.0
        self.returncode: int | None = None

    def _use_port(self, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/slack/events"

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", *self.module]

    def __enter__(self) -> ServeProcess:
        for attempt in range(PORT_ATTEMPTS):
            try:
                return self._start()
            except RuntimeError:
                # free_port() only found a port free a moment ago: with tests running in
                # parallel (pytest -n), another process may have bound it since. A port
                # of our own choosing is chosen again; a given one is not.
                if self._port_given or not self._port_taken or attempt == PORT_ATTEMPTS - 1:
                    raise
                self._use_port(free_port())
        raise AssertionError("unreachable")

    def _start(self) -> ServeProcess:
        self._tmp = tempfile.TemporaryDirectory(prefix="idealoop-serve-")
        self._log_path = Path(self._tmp.name) / "serve.log"
        self._log = open(self._log_path, "wb")  # noqa: SIM115 (closed in __exit__)
        env = child_env(**self.env, PORT=str(self.port))
        started = time.monotonic()
        self.proc = subprocess.Popen(self.command, env=env, cwd=self.cwd or self._tmp.name,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        try:
            self._wait_healthy(started + START_TIMEOUT)
        except BaseException:
            self._port_taken = "Address already in use" in self.log_text()
            self.__exit__()
            raise
        self.started_in = time.monotonic() - started
        return self

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                code = self.proc.returncode if self.proc else None
                raise RuntimeError(f"{' '.join(self.command[1:])} exited with "
                                   f"{code}:\n{self.log_tail()}")
            if self.ready is not None:
                if self.ready():
                    return
            else:
                with contextlib.suppress(OSError, ValueError):
                    self.health()
                    return
            time.sleep(0.05)
        awaited = "was not ready" if self.ready is not None else "did not answer /healthz"
        raise RuntimeError(f"{' '.join(self.command[1:])} {awaited} in "
                           f"{START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """`kill -9`: the process ends at once, whatever it was doing."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> int | None:
        """SIGTERM, wait, kill if it hangs; the exit code."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.returncode = self.proc.returncode
        return self.returncode

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def log_text(self) -> str:
        """Everything the process wrote so far (stdout and stderr)."""
        if self._log_path is None:
            return ""
        if self._log is not None:
            self._log.flush()
        return self._log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
            return dict(json.loads(response.read()))

    def health_status(self) -> int:
        """The HTTP status `GET /healthz` answers (0 when nothing answers)."""
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as err:
            err.close()
            return int(err.code)
        except OSError:
            return 0

    def pending(self) -> int:
        """Work in progress: this process's jobs, or, for a `serve` whose work runs in
        worker processes, the work stored and not finished (`work_pending`)."""
        try:
            report = self.health()
            return int(report.get("work_pending", report.get("jobs_pending", 0)))
        except (OSError, ValueError):
            return 0

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("not started")
        return self.proc.pid

    def memory_kb(self) -> dict[str, int]:
        """VmRSS (resident now) and VmHWM (peak resident) from /proc/<pid>/status, in kB."""
        wanted = ("VmRSS", "VmHWM", "Threads")
        found: dict[str, int] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in wanted:
                found[key] = int(value.split()[0])
        return found

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the process so far (/proc/<pid>/stat)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
