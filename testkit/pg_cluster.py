"""A throw-away PostgreSQL cluster on its own port, for fault tests that stop the database.

Never the shared server: `initdb` makes a new cluster in a temporary directory and
`pg_ctl` starts it on a free port, listening on loopback and on a socket in that
directory; `stop()` takes it down mid-load (as an outage would) and `start()` brings it
back with its data. The binaries are the machine's (`pg_config --bindir`); as root they
run as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from testkit.processes import free_port


def _bindir() -> Path:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=True)
        return Path(out.stdout.strip())
    raise RuntimeError("PostgreSQL's binaries were not found (no pg_config on PATH)")


def available() -> bool:
    """True when this machine can run a cluster of its own."""
    try:
        return (_bindir() / "initdb").is_file()
    except (RuntimeError, OSError, subprocess.CalledProcessError):
        return False


class ThrowawayCluster:
    """`with ThrowawayCluster() as pg:` — `pg.url` is a database on it; the cluster and its
    files are removed afterwards."""

    def __init__(self, database: str = "idealoop") -> None:
        self.bindir = _bindir()
        self.port = free_port()
        self.database = database
        self.root = Path(tempfile.mkdtemp(prefix="idealoop-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout}")

    def __enter__(self) -> ThrowawayCluster:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                      "--no-sync", "-E", "UTF8")
            self._first_start()
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                      self.database)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _first_start(self) -> None:
        """Start on the port free_port() found, or on another if something (a test in a
        parallel worker, pytest -n) bound it in the meantime; the URL is not out yet."""
        for attempt in range(3):
            try:
                self.start()
                return
            except RuntimeError:
                taken = self.log.exists() and "Address already in use" in self.log.read_text(
                    errors="replace")
                if not taken or attempt == 2:
                    raise
                self.port = free_port()

    def start(self) -> None:
        """Start (or restart) the cluster and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the cluster: "fast" ends sessions now; "immediate" is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):  # it may be down already
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
