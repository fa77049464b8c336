"""Bulk data for bench_console_scale.py: hooks, deliveries, attempts and events written with
SQL (INSERT ... SELECT over a row generator), and a few rare events spread over them."""

from __future__ import annotations

import sys
import time

HOOKS = 10  # the first hook holds half of the deliveries: its log is the deep one
CHUNK = 100_000
RARE_EVENTS, RARE_TYPE, RARE_ACTOR = 100, "user.session.end", "00uRARE"
RARE_EMAIL = "rare.actor@example.com"


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
