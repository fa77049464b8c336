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

warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed here

DEFAULT_PG = "postgres://hooks:hooks@127.0.0.1:5432/hooks"
HOOKS = 10  # the first hook holds half of the deliveries: its log is the deep one
CHUNK = 100_000
GOAL_MS = 100.0
GOAL_SCAN_MS = 1000.0  # a System Log request that tests events one by one (issue #10)
RARE_EVENTS, RARE_TYPE, RARE_ACTOR = 100, "user.session.end", "00uRARE"
RARE_EMAIL = "rare.actor@example.com"
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


# --- bulk loading -------------------------------------------------------------------------
def make_hooks(count: int = HOOKS) -> list[str]:
    from hooks.models import EventHook

    return [
        EventHook.objects.create(
            name=f"Bench hook {i:02d}",
            uri=f"https://hooks{i}.example.com/in",
            event_types=["user.lifecycle.create"],
            status="ACTIVE",
            verification_status="VERIFIED",
        ).id
        for i in range(count)
    ]


def _hook_case(hook_ids: list[str], column: str) -> str:
    """SQL: half of the rows to the first hook, the rest spread over the others."""
    others = hook_ids[1:]
    slots = len(others) * 2
    whens = " ".join(f"WHEN {i} THEN '{hook_ids[0]}'" for i in range(len(others)))
    whens += " " + " ".join(f"WHEN {len(others) + i} THEN '{h}'" for i, h in enumerate(others))
    return f"CASE ({column} % {slots}) {whens} END"


BODY_HEAD = (
    '{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":'
    '"0.1","source":"https://console.example.com/api/v1/eventHooks/bench","eventId":"'
)
BODY_TAIL = (
    '","data":{"events":[{"uuid":"bench","published":"2026-01-01T00:00:00.000Z",'
    '"eventType":"user.lifecycle.create","version":"0","severity":"INFO",'
    '"displayMessage":"Create okta user","actor":{"id":"00u1bench","type":"User",'
    '"alternateId":"admin@example.com","displayName":"Admin"},"outcome":{"result":'
    '"SUCCESS"},"target":[{"id":"00u2bench","type":"User","alternateId":'
    '"jane@example.com","displayName":"Jane Doe"}]}]},"eventTime":'
    '"2026-01-01T00:00:00.000Z","contentType":"application/json"}'
)
# A LogEvent of the usual size (~0.9 KB) for every loaded event: the System Log's scan cost is
# mostly decoding this JSON.
EVENT_JSON = (
    '{"uuid": "bench", "published": "2026-01-01T00:00:00.000Z", "eventType": '
    '"user.lifecycle.create", "version": "0", "severity": "INFO", "displayMessage": '
    '"Create okta user", "actor": {"id": "00u1bench", "type": "User", "alternateId": '
    '"admin@example.com", "displayName": "Admin", "detailEntry": null}, "client": '
    '{"userAgent": {"rawUserAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", "os": '
    '"Linux", "browser": "CHROME"}, "zone": "null", "device": "Computer", "id": null, '
    '"ipAddress": "203.0.113.7", "geographicalContext": {"city": "Paris", "state": '
    '"Ile-de-France", "country": "France", "postalCode": "75001"}}, "outcome": {"result": '
    '"SUCCESS", "reason": null}, "target": [{"id": "00u2bench", "type": "User", '
    '"alternateId": "jane@example.com", "displayName": "Jane Doe", "detailEntry": null}], '
    '"transaction": {"type": "WEB", "id": "Xbench", "detail": {}}, "debugContext": '
    '{"debugData": {"requestId": "Xbench", "requestUri": "/api/v1/users", "url": '
    '"/api/v1/users?activate=true"}}, "authenticationContext": {"authenticationStep": 0, '
    '"externalSessionId": "102bench"}, "securityContext": {"asNumber": null}}'
)
HEADERS = (
    '{"Accept": "application/json", "Content-Type": "application/json", '
    '"Authorization": "[REDACTED]", "webhook-id": "msg", "webhook-signature": "[REDACTED]"}'
)


def _sql(
    vendor: str,
    low: int,
    high: int,
    rows: int,
    hooks: list[str],
    start: float,
    span: float,
    with_events: bool,
    base: dict[str, int],
) -> list[str]:
    """INSERT ... SELECT statements for rows low..high (deliveries, attempts, events, matches)."""
    step_us = int(span * 1_000_000 // rows)
    hook = _hook_case(hooks, "x")
    status = "CASE WHEN x % 50 = 7 THEN 'FAILED' ELSE 'SUCCEEDED' END"
    if vendor == "sqlite":
        series = (
            f"WITH RECURSIVE s(x) AS (SELECT {low} UNION ALL SELECT x + 1 FROM s WHERE x < {high})"
        )
        us = f"(x - 1) * {step_us}"
        moment = (
            f"strftime('%Y-%m-%d %H:%M:%S', {int(start)} + {us} / 1000000, 'unixepoch') "
            f"|| '.' || printf('%06d', {us} % 1000000)"
        )
        uuid_hex = "printf('%032x', x)"
        uuid_text = "printf('00000000-0000-4000-8000-%012x', x)"
        source = f"{series} SELECT x, {moment} AS at FROM s"
    else:
        moment = f"to_timestamp({start}) + (x - 1) * {step_us} * interval '1 microsecond'"
        uuid_hex = uuid_text = "('00000000-0000-4000-8000-' || lpad(to_hex(x), 12, '0'))"
        uuid_hex = f"{uuid_hex}::uuid"
        source = (
            f"SELECT x, {moment} AS at FROM generate_series({low}::bigint, {high}::bigint) AS x"
        )
    duration = "(x * 7919 % 250) + 3.5"
    statements = [
        f"INSERT INTO hooks_delivery (hook_id, kind, event_id, body, event_count, status, "
        f"attempt_count, last_status_code, last_error, created_at, updated_at, completed_at) "
        f"SELECT {hook}, 'EVENTS', {uuid_hex}, '{BODY_HEAD}' || {uuid_text} || '{BODY_TAIL}', 1, "
        f"{status}, 1, CASE WHEN x % 50 = 7 THEN 503 ELSE 200 END, "
        f"CASE WHEN x % 50 = 7 THEN 'HTTP 503' ELSE '' END, at, at, at FROM ({source}) AS g",
        f"INSERT INTO hooks_deliveryattempt (delivery_id, number, outcome, started_at, "
        f"finished_at, duration_ms, request_headers, response_status, response_headers, "
        f"response_excerpt, error) SELECT id, 1, CASE status WHEN 'FAILED' THEN 'FAILURE' ELSE "
        f"'SUCCESS' END, created_at, created_at, {duration.replace('x', 'id')}, '{HEADERS}', "
        f"last_status_code, '{{}}', '', '' FROM hooks_delivery "
        f"WHERE id BETWEEN {base['delivery'] + low} AND {base['delivery'] + high}",
    ]
    if with_events:
        statements += [
            f"INSERT INTO hooks_event (uuid, published, event_type, actor_id, severity, data, "
            f"created_at) SELECT 'bench-' || x, at, 'user.lifecycle.create', '00u1bench', 'INFO', "
            f"'{EVENT_JSON}', at FROM ({source}) AS g",
            f"INSERT INTO hooks_match (hook_id, event_id, delivery_id, created_at) SELECT "
            f"d.hook_id, d.id + {base['event'] - base['delivery']}, d.id, d.created_at "
            f"FROM hooks_delivery d "
            f"WHERE d.id BETWEEN {base['delivery'] + low} AND {base['delivery'] + high}",
        ]
    return statements


def bulk_load(
    rows: int,
    *,
    days_ago: tuple[float, float] = (60, 0),
    with_events: bool = False,
    progress: bool = True,
) -> list[str]:
    """Create the hooks and `rows` deliveries (one attempt each, 2 % FAILED), created evenly
    between days_ago[0] and days_ago[1] in id order; optionally one event + match each."""
    from django.db import connection, transaction
    from django.db.models import Max
    from tqdm import tqdm

    from hooks.models import Delivery, Event

    hooks = make_hooks()
    base = {
        "delivery": Delivery.objects.aggregate(n=Max("id"))["n"] or 0,
        "event": Event.objects.aggregate(n=Max("id"))["n"] or 0,
    }
    start = time.time() - days_ago[0] * 86400
    span = (days_ago[0] - days_ago[1]) * 86400
    bar = tqdm(total=rows, unit="row", desc="loading", disable=not progress, file=sys.stderr)
    for low in range(1, rows + 1, CHUNK):
        high = min(rows, low + CHUNK - 1)
        statements = _sql(connection.vendor, low, high, rows, hooks, start, span, with_events, base)
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        bar.update(high - low + 1)
    bar.close()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum / a real database has
    return hooks


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
    from hooks.models import Delivery, Event, EventHook
    from hooks.selectors import deliveries_page, encode_cursor

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


def add_rare_events(count: int) -> None:
    """`count` events of a type nothing else has, spread over the loaded period."""
    from hooks.models import Event

    first, last = Event.objects.order_by("id").first(), Event.objects.order_by("id").last()
    step = (last.published - first.published) / count
    Event.objects.bulk_create(
        Event(
            uuid=f"rare-{i}",
            published=first.published + step * i,
            event_type=RARE_TYPE,
            actor_id=RARE_ACTOR,
            data={
                "uuid": f"rare-{i}",
                "eventType": RARE_TYPE,
                "actor": {"id": RARE_ACTOR, "alternateId": RARE_EMAIL},
            },
        )
        for i in range(count)
    )


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
