"""Running real processes against the test database: a qcluster and a web server.

pytest-django creates the test database; child processes are pointed at the
same database (SQLite file or PostgreSQL test database) through the environment.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def child_environment(**overrides: str) -> dict[str, str]:
    """Environment for a child process that uses the test database and fast settings."""
    env = dict(os.environ)
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        env.pop("DATABASE_URL", None)
        env["HOOKS_SQLITE_PATH"] = str(settings_dict["NAME"])
    else:
        parts = urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + settings_dict["NAME"]))
    # The child must read the same django-q2 queue as this process writes to.
    env["HOOKS_Q_NAME"] = settings.Q_CLUSTER["name"]
    env.update({"DJANGO_DEBUG": "1", "HOOKS_TESTING": "1", "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A `manage.py qcluster` child process that can be killed and started again."""

    def __init__(self, log_path: Path, **env: str):
        self.log_path = log_path
        self.env = child_environment(**env)
        self.process: subprocess.Popen | None = None

    def start(self) -> Cluster:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that a kill reaches every worker process
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole cluster (sentinel, monitor, pusher and workers) at once."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a short wait (a graceful stop is not under test)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def running_cluster(tmp_path: Path, **env: str):
    """Start a qcluster for the duration of a `with` block."""
    cluster = Cluster(tmp_path / "qcluster.log", **env).start()
    try:
        yield cluster
    finally:
        cluster.stop()


def wait_until(predicate, *, timeout: float, interval: float = 0.05, message: str = "") -> None:
    """Poll `predicate` until it is truthy or `timeout` seconds pass (then AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout} s")


def process_group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes whose process group is `pgid`, read from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                # "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after ")".
                state, _ppid, pgrp = stat.read().rsplit(")", 1)[1].split()[:3]
        except OSError:
            continue  # exited while we looked
        if int(pgrp) == pgid and state != "Z":
            members.append(int(entry))
    return members


def stop_group_as_systemd(
    process: subprocess.Popen, *, timeout: float = 15.0, kill_signal: int = signal.SIGTERM
) -> float:
    """Stop a process group the way systemd's KillMode=control-group does, and time it.

    `kill_signal` (KillSignal) goes to every process of the group at once; the stop is over
    when none is left (the main process and every child). After `timeout` (TimeoutStopSec)
    the rest gets SIGKILL, as systemd would. Returns the seconds until the group was empty
    or killed.
    """
    pgid = process.pid
    started = time.monotonic()
    os.killpg(pgid, kill_signal)
    while time.monotonic() - started < timeout:
        process.poll()  # reap the main process, so that it does not count as a zombie
        if not process_group_members(pgid):
            return time.monotonic() - started
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=10)
    return elapsed
