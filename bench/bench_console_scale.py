"""Console scale benchmark: the hook list, a hook's delivery log and the API's delivery list
with 1,000,000 deliveries (and as many attempts) stored, and the System Log (API and console)
with as many events (100 of them of a rare type and actor): by event type and actor id (indexes),
and by actor alternateId and `q` (bounded scans of HOOKS_LOG_SCAN_LIMIT rows a request).

Creates a throwaway database (a temp SQLite file, or a new database on the PostgreSQL server
of DATABASE_URL), migrates it in a subprocess, bulk-loads deliveries with SQL
(INSERT ... SELECT over a row generator), then times ~50 requests per page through Django's
test client, logged in as a super admin: p50 / p95, and the ratio of p95 to two baselines
measured in the same run (a bare `SELECT 1` round trip, and GET /healthz through the whole
Django stack). Goal: p95 <= 100 ms per page; <= 1 s for a System Log scan.

Run:  .venv/bin/python bench/bench_console_scale.py [--rows 1000000] [--db sqlite|postgres]
          [--requests 50] [--quick]          (--quick: 100,000 rows)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, ROOT, machine_facts, percentile
from console_scale_data import (
    RARE_ACTOR,
    RARE_EMAIL,
    RARE_EVENTS,
    RARE_TYPE,
    add_rare_events,
    bulk_load,
)

warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed here

DEFAULT_PG = "postgres://hooks:hooks@127.0.0.1:5432/hooks"
GOAL_MS = 100.0
GOAL_SCAN_MS = 1000.0  # a System Log request that tests events one by one (issue #10)
METRICS_TOKEN = secrets.token_urlsafe(32)


# --- a throwaway database -----------------------------------------------------------------
@contextlib.contextmanager
def throwaway_database(db: str):
    """Yield the environment of a new, migrated database; drop it afterwards."""
    owned = {"HOOKS_TESTING", "HOOKS_SQLITE_PATH", "DATABASE_URL", "HOOKS_REDIS_URL"}
    env = {k: v for k, v in os.environ.items() if k not in owned}
    env.update(
        DJANGO_SETTINGS_MODULE="hooksite.settings",
        DJANGO_DEBUG="1",
        HOOKS_Q_NAME=f"bench-console-{os.getpid()}",
        HOOKS_API_RATE_LIMIT="100000000",
    )
    tmp = Path(tempfile.mkdtemp(prefix="hooks-bench-console-"))
    admin_url = name = None
    if db == "sqlite":
        env["HOOKS_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    else:
        import psycopg

        admin_url = os.environ.get("DATABASE_URL") or DEFAULT_PG
        name = f"hooks_bench_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(admin_url)._replace(path="/" + name))
    try:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        yield env
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if name:
            drop_database(admin_url, name)
        shutil.rmtree(tmp, ignore_errors=True)


def drop_database(admin_url: str, name: str, attempts: int = 30) -> None:
    """DROP DATABASE, waiting for autovacuum (which a non-superuser cannot terminate)."""
    import psycopg

    for _ in range(attempts):
        try:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            return
        except psycopg.errors.ObjectInUse:
            time.sleep(1)
    print(f"warning: could not drop the database {name}; drop it by hand", file=sys.stderr)


def start_django(env: dict[str, str]) -> None:
    """Point this process at the throwaway database and set Django up."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no SQL query log while timing (the storage choice is made)
    # With DEBUG off /metrics wants its bearer token, as in production.
    settings.HOOKS_METRICS_TOKEN = METRICS_TOKEN


# --- measuring ----------------------------------------------------------------------------
def timed(call: Callable[[], object], count: int, warmup: int = 3) -> list[float]:
    """Milliseconds of `count` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def get(client, path: str, **headers) -> Callable[[], object]:
    def call():
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.content[:300]!r}")
        return response

    return call


def scenarios(hooks: list[str]) -> dict[str, Callable[[], object]]:
    """Every measured call, baselines first."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from hooks.access.tokens import token_create
    from hooks.lib.keyset import encode_cursor
    from hooks.models import Delivery, Event, EventHook
    from hooks.selectors import deliveries_page

    user = get_user_model().objects.create_superuser(
        "bench", "bench@example.com", secrets.token_urlsafe(16)
    )
    _, token = token_create(user=user, name="bench")
    console = Client()
    console.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"SSWS {token}")
    big = EventHook.objects.get(pk=hooks[0])
    count = Delivery.objects.filter(hook=big).count()
    middle = Delivery.objects.filter(hook=big).order_by("-created_at", "-id")[count // 2]
    deep = encode_cursor(middle.created_at, middle.pk)

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    since = Event.objects.order_by("published").first().published.isoformat()
    rare, scan = f'eventType eq "{RARE_TYPE}"', f'actor.id eq "{RARE_ACTOR}"'
    alternate = f'actor.alternateId eq "{RARE_EMAIL}"'

    def logs(condition: str) -> Callable[[], object]:
        return get(
            api, f"/api/v1/logs?{urlencode({'since': since, 'limit': 100, 'filter': condition})}"
        )

    log = f"/eventhooks/{big.id}/deliveries"
    api_list = f"/api/v1/eventHooks/{big.id}/deliveries"
    return {
        "baseline: SELECT 1": select_one,
        "baseline: GET /healthz": get(console, "/healthz"),
        "console: hook list /": get(console, "/"),
        "console: delivery log, page 1": get(console, log),
        f"console: delivery log, page {count // 50:,} (keyset)": get(
            console, f"{log}?after={deep}"
        ),
        "console: delivery log, FAILED only": get(console, f"{log}?status=FAILED"),
        "api: deliveries, page 1 (50)": get(api, api_list),
        "api: deliveries, deep page (keyset)": get(api, f"{api_list}?after={deep}"),
        "selector: deliveries_page, page 1": lambda: deliveries_page(hook=big, limit=50),
        "selector: deliveries_page, deep": lambda: deliveries_page(hook=big, after=deep, limit=50),
        "GET /metrics (whole database)": get(
            console, "/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}"
        ),
        f"api: System Log, eventType eq (the {RARE_EVENTS} rare)": logs(rare),
        "api: System Log, actor.id eq (same 100, actor index)": logs(scan),
        # Tested event by event: each request examines at most HOOKS_LOG_SCAN_LIMIT rows and
        # answers a partial page with a next link (the 100 rare are spread over the window).
        "api: System Log, actor.alternateId eq (bounded scan)": logs(alternate),
        "api: System Log, q= (bounded scan)": get(
            api, f"/api/v1/logs?{urlencode({'since': since, 'limit': 100, 'q': RARE_EMAIL})}"
        ),
        "console: System Log, actor by alternateId (scan)": get(
            console, f"/logs?{urlencode({'actor': RARE_EMAIL})}"
        ),
        "console: System Log, actor by id (index)": get(
            console, f"/logs?{urlencode({'actor': RARE_ACTOR})}"
        ),
    }


def report(results: dict[str, list[float]], baselines: tuple[str, str]) -> None:
    select_p95 = percentile(results[baselines[0]], 95)
    healthz_p95 = percentile(results[baselines[1]], 95)
    print(
        f"\n{'request':<48} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'p95/SELECT 1':>13} {'p95/healthz':>12}  goal"
    )
    for name, times in results.items():
        p95 = percentile(times, 95)
        limit = GOAL_SCAN_MS if "scan)" in name else GOAL_MS
        goal = "" if name.startswith("baseline") else ("ok" if p95 <= limit else "MISSED")
        print(
            f"{name:<48} {len(times):>4} {percentile(times, 50):>8.2f} {p95:>8.2f} "
            f"{max(times):>8.2f} {p95 / select_p95:>13.0f} {p95 / healthz_p95:>12.1f}  {goal}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    with throwaway_database(args.db) as env:
        start_django(env)
        from django.db import connection

        facts = machine_facts(
            f"{connection.vendor} {connection.Database.sqlite_version}"
            if connection.vendor == "sqlite"
            else "PostgreSQL",
            "none",
        )
        print("Console scale benchmark: " + "; ".join(f"{k} {v}" for k, v in facts.items()))
        started = time.perf_counter()
        hooks = bulk_load(rows, with_events=True)
        add_rare_events(RARE_EVENTS)
        took = time.perf_counter() - started
        print(
            f"loaded {rows:,} deliveries + {rows:,} attempts + {rows + RARE_EVENTS:,} events "
            f"in {took:.1f} s ({rows / took:,.0f} deliveries/s)"
        )
        calls = scenarios(hooks)
        results = {}
        for name, call in calls.items():
            if "scan)" in name:  # up to HOOKS_LOG_SCAN_LIMIT rows each: fewer suffice
                results[name] = timed(call, min(args.requests, 10), warmup=1)
            else:
                count = 200 if name.startswith("baseline: SELECT") else args.requests
                results[name] = timed(call, count)
        report(results, ("baseline: SELECT 1", "baseline: GET /healthz"))


if __name__ == "__main__":
    main()
