"""Whole consoles for integration tests: each with its own database (a SQLite file, or a
new PostgreSQL database on the PostgreSQL stack), its own web server and its own qcluster,
all on 127.0.0.1. Unlike tests/cluster.py these do not share the test database: two of
them stand for two separate installations (an Okta-like org and the console in front).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from tests.cluster import ROOT, free_port

_SEED = r"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from hooks.access.tokens import token_create
user = get_user_model().objects.create_superuser("admin", "admin@example.com", "a long pass 1")
print(json.dumps({"token": token_create(user=user, name="tests")[1]}))
"""


class Console:
    """One installation: database, gunicorn and qcluster with one environment."""

    def __init__(self, name: str, tmp: Path, **env: str):
        self.name = name
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._pg_db: str | None = None
        self.env = self._environment(env)
        self.web: subprocess.Popen | None = None
        self.cluster: subprocess.Popen | None = None
        self.token = ""

    def _environment(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "hooksite.settings",
                "DJANGO_DEBUG": "1",
                "PYTHONUNBUFFERED": "1",
                "HOOKS_ORG_URL": self.url,
                "HOOKS_Q_NAME": f"{self.name}-{os.getpid()}-{secrets.token_hex(3)}",
                "HOOKS_API_RATE_LIMIT": "1000000",
                "HOOKS_ALLOWED_NETWORKS": "127.0.0.0/8",
            }
        )
        env.pop("HOOKS_TESTING", None)
        admin_url = _pg_admin_url()
        if admin_url:
            import psycopg

            self._pg_db = f"hooks_{self.name}_{os.getpid()}_{secrets.token_hex(3)}"
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self._pg_db}"')
            env["DATABASE_URL"] = urlunsplit(urlsplit(admin_url)._replace(path="/" + self._pg_db))
        else:
            env.pop("DATABASE_URL", None)
            env["HOOKS_SQLITE_PATH"] = str(self.tmp / f"{self.name}.sqlite3")
        env.update(extra)
        return env

    # --- setup
    def manage(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
        return done.stdout

    def setup(self) -> Console:
        self.manage("migrate", "--noinput", "-v", "0")
        done = subprocess.run(
            [sys.executable, "-c", _SEED],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        self.token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
        return self

    def _spawn(self, label: str, args: list[str]) -> subprocess.Popen:
        with open(self.tmp / f"{self.name}-{label}.log", "ab") as log:
            return subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_web(self) -> None:
        self.web = self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hooksite.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
            ],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.web.poll() is None, self.log("web")
            with contextlib.suppress(requests.RequestException):
                if self.api("GET", "/api/v1/eventHooks").status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"{self.name}: gunicorn did not answer")

    def start_cluster(self) -> None:
        self.cluster = self._spawn("qcluster", [sys.executable, "manage.py", "qcluster"])

    def kill_cluster(self) -> None:
        """SIGKILL every process of the cluster at once (a crashed machine)."""
        if self.cluster and self.cluster.poll() is None:
            os.killpg(self.cluster.pid, signal.SIGKILL)
            self.cluster.wait(timeout=10)

    def log(self, label: str) -> str:
        path = self.tmp / f"{self.name}-{label}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    # --- use
    def api(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(
            method,
            f"{self.url}{path}",
            json=body,
            timeout=30,
            headers={"Authorization": f"SSWS {self.token}"},
        )

    def query(self, sql: str) -> list[tuple]:
        """Read this console's database directly (what is stored, not what the API says)."""
        if self._pg_db:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                return conn.execute(sql).fetchall()
        with contextlib.closing(sqlite3.connect(self.env["HOOKS_SQLITE_PATH"])) as conn:
            return conn.execute(sql).fetchall()

    def close(self) -> None:
        for process in (self.cluster, self.web):
            if process and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)
        if self._pg_db:
            import psycopg

            with (
                contextlib.suppress(Exception),
                psycopg.connect(_pg_admin_url(), autocommit=True) as conn,
            ):
                conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_db}" WITH (FORCE)')


def _pg_admin_url() -> str:
    """On the PostgreSQL stack, a URL of the server's `postgres` database (DATABASE_URL's
    own database need not exist: pytest-django works in test_<name>); else ''."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return ""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))
