"""Per-token rate limit with Okta's X-Rate-Limit-* headers.

A fixed one-minute window per token (or user, or client address), counted in
the database so that every web process shares one count (RateCounter). A process
adds its requests to the shared row with one atomic upsert every 1 % of the limit
(every request for limits under 200), not on every request: on SQLite each write
waits for the database's single write lock, which publishing needs (measured with
bench/bench_delivery.py: a write per request cost 10-25 % of batched throughput).
So each web process may admit up to about 1 % of the limit beyond it.

Okta's SDKs need `X-Rate-Limit-Reset` and `Date` on a 429 to compute their
back-off, so the window's reset time is always published.
"""

from __future__ import annotations

import functools
import threading
import time

from django.conf import settings
from django.db import connection, transaction
from rest_framework.throttling import BaseThrottle

from hooks.models import RateCounter

WINDOW_SECONDS = 60


class PerTokenRateThrottle(BaseThrottle):
    """Allow HOOKS_API_RATE_LIMIT requests per minute per token."""

    def _key(self, request) -> str:
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "pk"):
            return f"token:{token.pk}"
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"addr:{self.get_ident(request)}"

    def allow_request(self, request, view) -> bool:
        limit = settings.HOOKS_API_RATE_LIMIT
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        reset = (window + 1) * WINDOW_SECONDS
        used = count_request(self._key(request)[:100], window, limit=limit)
        self._wait = reset - now
        request._request.rate_limit = (limit, max(limit - used, 0), reset)
        return used <= limit

    def wait(self) -> float:
        return self._wait


# (caller, minute) -> [the shared count when last written, requests not yet written]
_pending: dict[tuple[str, int], list[int]] = {}
_pending_lock = threading.Lock()


def write_every(limit: int) -> int:
    """How many requests a process counts before adding them to the shared row."""
    return max(1, limit // 100)


def count_request(caller: str, minute: int, *, limit: int) -> int:
    """Count one request of `caller` in `minute`; return the requests counted in it so far
    (every process's as of this process's last write, plus its own since)."""
    with _pending_lock:
        entry = _pending.get((caller, minute))
        if entry is None:
            for key in [key for key in _pending if key[1] < minute]:
                del _pending[key]  # past minutes
            entry = _pending[(caller, minute)] = [0, 0]
        entry[1] += 1
        if entry[1] < write_every(limit):
            return entry[0] + entry[1]
        unwritten, entry[1] = entry[1], 0
    shared = add_requests(caller, minute, unwritten)
    with _pending_lock:
        entry[0] = shared
        return shared + entry[1]


def add_requests(caller: str, minute: int, count: int) -> int:
    """Add `count` requests of `caller` to the shared row for `minute`; return its total."""
    if connection.features.can_return_columns_from_insert:
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(), [caller, minute, count])
            return cursor.fetchone()[0]
    with transaction.atomic():  # pragma: no cover - SQLite < 3.35
        counter, _ = RateCounter.objects.select_for_update().get_or_create(
            caller=caller, defaults={"minute": minute}
        )
        counter.used = counter.used + count if counter.minute == minute else count
        counter.minute = minute
        counter.save()
        return counter.used


@functools.cache
def _upsert_sql() -> str:
    """One atomic statement on SQLite >= 3.35 and PostgreSQL: a new caller starts at the
    count, a known one adds it within its minute and starts again from it in a new one."""
    q = connection.ops.quote_name
    table = q(RateCounter._meta.db_table)
    # Concrete fields, each with a column (the stubs allow a relation, or no column).
    caller, minute, used = (
        q(RateCounter._meta.get_field(f).column)  # type: ignore[union-attr, arg-type]
        for f in ("caller", "minute", "used")
    )
    return (
        f"INSERT INTO {table} ({caller}, {minute}, {used}) VALUES (%s, %s, %s)"
        f" ON CONFLICT ({caller}) DO UPDATE SET"
        f" {used} = CASE WHEN {table}.{minute} = excluded.{minute}"
        f" THEN {table}.{used} + excluded.{used} ELSE excluded.{used} END,"
        f" {minute} = excluded.{minute}"
        f" RETURNING {used}"
    )


def forget_old_counters(now: float | None = None) -> int:
    """Delete counters of windows that ended (the sweeper calls it); return how many."""
    current = int((now if now is not None else time.time()) // WINDOW_SECONDS)
    deleted, _ = RateCounter.objects.filter(minute__lt=current).delete()
    return deleted
