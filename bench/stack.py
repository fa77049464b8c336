"""A throwaway stack for the benchmarks: a database (SQLite file or a new PostgreSQL
database), gunicorn and `manage.py qcluster`, all with the same environment, each in its
own process group, all stopped and removed by Stack.close().

Not a benchmark itself (bench/run_all.py runs only bench_*.py scripts).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from common import (
    PYTHON,
    ROOT,
    child_pids,
    free_port,
    group_cpu_seconds,
    group_stats,
    process_cpu_seconds,
)

# An event type no console source (auth signals) ever publishes, so that only the
# benchmark's own events reach the benchmark hook.
BENCH_EVENT_TYPE = "user.account.lock"

_SETUP_CODE = r"""
import json, secrets, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from hooks.models import EventHook
from hooks.eventhooks.services import SYSTEM, hook_create
from hooks.access.tokens import token_create
from hooks.eventhooks.validation import HookSpec

uri, event_type = sys.argv[1], sys.argv[2]
user = get_user_model().objects.create_superuser(
    "bench-admin", "bench@example.com", secrets.token_urlsafe(16)
)
_, token = token_create(user=user, name="bench")
hook, secret = hook_create(
    spec=HookSpec(name="bench hook", uri=uri, event_types=[event_type]), actor=SYSTEM
)
# A benchmark shortcut: mark the hook VERIFIED directly instead of running the
# verification challenge through the cluster (which is tested elsewhere).
EventHook.objects.filter(pk=hook.pk).update(verification_status="VERIFIED")
print(json.dumps({"token": token, "hook_id": hook.pk, "secret": secret}))
"""


_ADD_HOOK_CODE = r"""
import json, sys
import django
django.setup()
from hooks.models import EventHook
from hooks.eventhooks.services import SYSTEM, hook_create
from hooks.eventhooks.validation import HookSpec

name, uri, event_type = sys.argv[1], sys.argv[2], sys.argv[3]
hook, _ = hook_create(spec=HookSpec(name=name, uri=uri, event_types=[event_type]), actor=SYSTEM)
EventHook.objects.filter(pk=hook.pk).update(verification_status="VERIFIED")  # as the seed
print(json.dumps({"hook_id": hook.pk}))
"""


@dataclass
class Stack:
    """A throwaway database plus the product's processes, all with the same environment."""

    db: str = "sqlite"
    web_workers: int = 4
    web_threads: int = 1
    q_workers: int = 3  # the product default (HOOKS_Q_WORKERS)
    extra_env: dict[str, str] = field(default_factory=dict)
    verbose: bool = False

    def __post_init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="hooks-bench-"))
        self.web_port = free_port()
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self.processes: list[subprocess.Popen] = []
        self.web: subprocess.Popen | None = None
        self.cluster: subprocess.Popen | None = None
        self._pg_admin_url: str | None = None
        self._pg_db: str | None = None
        self.q_name = f"bench-{os.getpid()}-{secrets.token_hex(3)}"
        self.env = self._environment()

    # -- environment and database
    def _environment(self) -> dict[str, str]:
        # HOOKS_* tuning variables of the caller pass through (e.g. HOOKS_Q_BULK=20), except
        # those that would point the children at another database, queue or test mode.
        owned = {
            "HOOKS_TESTING",
            "HOOKS_SQLITE_PATH",
            "HOOKS_Q_NAME",
            "HOOKS_REDIS_URL",
            "HOOKS_ORG_URL",
            "DATABASE_URL",
            "DJANGO_SETTINGS_MODULE",
        }
        env = {k: v for k, v in os.environ.items() if k not in owned}
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "DJANGO_SETTINGS_MODULE": "hooksite.settings",
                # Production-like: DEBUG off (no SQL query log), loopback allowed explicitly.
                "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "0"),
                "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", secrets.token_urlsafe(50)),
                "HOOKS_ALLOWED_NETWORKS": "127.0.0.0/8",
                # Required with DEBUG off (system check hooks.E001).
                "HOOKS_METRICS_TOKEN": secrets.token_urlsafe(32),
                # The benchmark publishes far more than the default 600 requests/min/token.
                "HOOKS_API_RATE_LIMIT": "100000000",
                "HOOKS_ORG_URL": self.web_url,
                "HOOKS_Q_NAME": self.q_name,
                "HOOKS_Q_WORKERS": str(self.q_workers),
            }
        )
        if self.db == "sqlite":
            env["HOOKS_SQLITE_PATH"] = str(self.tmp / "bench.sqlite3")
        elif self.db == "postgres":
            env["DATABASE_URL"] = self._create_pg_database()
            redis_url = os.environ.get("HOOKS_REDIS_URL", "")
            if redis_url:
                env["HOOKS_REDIS_URL"] = redis_url
        else:
            raise ValueError(f"unknown --db {self.db!r}")
        env.update(self.extra_env)
        return env

    def _create_pg_database(self) -> str:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            raise SystemExit("--db postgres needs DATABASE_URL=postgresql://... in the environment")
        import psycopg

        self._pg_admin_url = url
        self._pg_db = f"hooks_bench_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self._pg_db}"')
        return urlunsplit(urlsplit(url)._replace(path="/" + self._pg_db))

    @property
    def broker(self) -> str:
        return "Redis" if self.env.get("HOOKS_REDIS_URL") else "ORM (database)"

    @property
    def db_description(self) -> str:
        if self.db == "sqlite":
            return f"SQLite {sqlite3.sqlite_version} (WAL, temp file)"
        return "PostgreSQL " + self._pg_version()

    def _pg_version(self) -> str:
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as conn:
            return str(conn.execute("show server_version").fetchone()[0]).split()[0]

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)

    def run_manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def migrate_and_seed(self, receiver_url: str) -> dict:
        """Migrate the throwaway database; create a super admin, a token and a verified hook."""
        self.log("migrate")
        self.run_manage("migrate", "--noinput", "-v", "0")
        return self._run_django("seeding", _SETUP_CODE, receiver_url, BENCH_EVENT_TYPE)

    def add_hook(self, name: str, uri: str, event_type: str = BENCH_EVENT_TYPE) -> str:
        """Another VERIFIED hook (the same shortcut as the seed); return its id."""
        return self._run_django("adding a hook", _ADD_HOOK_CODE, name, uri, event_type)["hook_id"]

    def _run_django(self, what: str, code: str, *args: str) -> dict:
        """Run `code` in a Python process on the stack's database; return the JSON object
        its last line of output prints."""
        done = subprocess.run(
            [PYTHON, "-c", code, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"{what} failed:\n{done.stdout}{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def deactivate_hook(self, hook_id: str) -> None:
        self.run_manage(
            "shell",
            "-c",
            (
                "from hooks.models import EventHook; from hooks.eventhooks.services import SYSTEM, "
                f"hook_deactivate; hook_deactivate(hook=EventHook.objects.get(pk={hook_id!r}), "
                "actor=SYSTEM)"
            ),
        )

    # -- processes
    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed below
        try:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stopped as a whole, never by Ctrl-C
            )
        finally:
            log.close()
        self.processes.append(process)
        return process

    def start_web(self, token: str) -> None:
        """gunicorn as run_console starts it (sync workers unless web_threads > 1)."""
        import requests

        self.log(f"gunicorn {self.web_workers} workers x {self.web_threads} threads")
        self.web = self._spawn(
            "gunicorn",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "hooksite.wsgi",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(self.web_workers),
                "--threads",
                str(self.web_threads),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
            self.env,
        )
        deadline = time.monotonic() + 60
        headers = {"Authorization": f"SSWS {token}"}
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_text('gunicorn')}")
            with contextlib.suppress(requests.RequestException):
                if (
                    requests.get(
                        f"{self.web_url}/api/v1/eventHooks", headers=headers, timeout=2
                    ).status_code
                    == 200
                ):
                    return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def start_cluster(self, **env: str) -> None:
        """`manage.py qcluster` with the stack's environment plus `env`; wait until running."""
        self.stop_cluster()
        cluster_env = {**self.env, **env}
        self.log(f"qcluster {' '.join(f'{k}={v}' for k, v in env.items())}")
        name = f"qcluster-{len(self.processes)}"
        self.cluster = self._spawn(name, [PYTHON, "manage.py", "qcluster"], cluster_env)
        self._cluster_log = name
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.cluster.poll() is not None:
                raise RuntimeError(f"qcluster exited:\n{self.log_text(name)}")
            # Up when the sentinel, pusher, monitor and every worker exist (django-q's own
            # "running." line is not logged at the product's WARNING level for django-q).
            if len(group_stats(self.cluster.pid)) >= 4 + int(cluster_env["HOOKS_Q_WORKERS"]):
                time.sleep(0.5)
                return
            time.sleep(0.1)
        raise RuntimeError(f"qcluster did not start within 60 s:\n{self.log_text(name)}")

    def stop_cluster(self) -> None:
        if self.cluster is not None:
            _stop(self.cluster)
            self.cluster = None

    def log_text(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by the web server and the cluster (all their processes),
        and by local PostgreSQL and Redis servers when they can be found."""
        used = {
            "web": group_cpu_seconds(self.web.pid) if self.web else 0.0,
            "cluster": group_cpu_seconds(self.cluster.pid) if self.cluster else 0.0,
        }
        for name, pid in self._server_pids().items():
            used[name] = process_cpu_seconds(pid) + sum(
                process_cpu_seconds(child) for child in child_pids(pid)
            )
        return used

    @functools.cached_property
    def _server_pid_cache(self) -> dict[str, int]:
        pids: dict[str, int] = {}
        with contextlib.suppress(Exception):
            if self.db == "postgres":
                import psycopg

                with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                    data_dir = conn.execute("show data_directory").fetchone()[0]
                pids["postgres"] = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
        with contextlib.suppress(Exception):
            if self.env.get("HOOKS_REDIS_URL"):
                import redis

                info = redis.Redis.from_url(self.env["HOOKS_REDIS_URL"]).info("server")
                pids["redis"] = int(info["process_id"])
        # Only servers on this machine: a pid read from elsewhere means nothing here.
        return {k: v for k, v in pids.items() if Path(f"/proc/{v}").exists()}

    def _server_pids(self) -> dict[str, int]:
        return self._server_pid_cache

    def close(self) -> None:
        """Stop every process, drop the database, remove the temp directory."""
        for process in reversed(self.processes):
            _stop(process, timeout=5)
        self.processes.clear()
        if self.env.get("HOOKS_REDIS_URL"):
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis.from_url(self.env["HOOKS_REDIS_URL"])
                for key in client.scan_iter(f"*{self.q_name}*"):
                    client.delete(key)
        if self._pg_db and self._pg_admin_url:
            with contextlib.suppress(Exception):
                import psycopg

                with psycopg.connect(self._pg_admin_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_db}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the process group, then SIGKILL it if it does not go."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    # Children left behind in the group (qcluster workers) are killed too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
