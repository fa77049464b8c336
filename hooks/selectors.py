"""Reads that are more than one .filter(): keyset pages, the console's list queries."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from hooks.catalog import AUDIT_EVENT_TYPES, CATEGORIES
from hooks.lib.keyset import (
    MAX_PAGE,
    Page,
    decode_cursor,
    encode_cursor,
    keyset_page,
)
from hooks.models import Delivery, DeliveryAttempt, Event, EventHook, EventType, OutboxEntry

DELIVERY_SCAN_LIMIT = 5_000  # deliveries a text search examines per page, at most
MAX_SEARCH = 255
MAX_REDELIVERY_DEPTH = 10  # links followed from a delivery to the redeliveries of its events


def deliveries_page(
    *,
    hook: EventHook,
    status: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
    q: str = "",
    scan_limit: int | None = None,
) -> Page:
    """One page of a hook's deliveries, newest first, by keyset (fast at millions of rows).

    `q` finds deliveries by eventId or by an event's uuid through indexes (Delivery.envelope_id,
    Event.uuid, then its matches and their redeliveries); any other term (an event type, an
    actor) by a bounded scan: see _search_page.
    """
    rows: QuerySet[Delivery] = Delivery.objects.filter(hook=hook)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    q = q.strip()[:MAX_SEARCH]
    if q:
        ids = _deliveries_by_id(hook, q)
        if ids:
            rows = rows.filter(pk__in=ids)
        else:
            scan_limit = scan_limit or DELIVERY_SCAN_LIMIT
            return _search_page(rows, q, after=after, limit=limit, scan_limit=scan_limit)
    return keyset_page(with_log_state(rows), time_field="created_at", after=after, limit=limit)


def _deliveries_by_id(hook: EventHook, q: str) -> set[int]:
    """Ids of `hook`'s deliveries whose eventId is `q`, or that carry the event whose uuid is
    `q` (the delivery that claimed it, and the redeliveries of that one): index lookups only."""
    found: set[int] = set()
    with contextlib.suppress(ValueError):  # not a UUID: it cannot be an eventId
        found.update(
            Delivery.objects.filter(hook=hook, envelope_id=uuid.UUID(q)).values_list(
                "pk", flat=True
            )
        )
    carried = set(
        OutboxEntry.objects.filter(hook=hook, event__uuid=q, delivery__isnull=False).values_list(
            "delivery_id", flat=True
        )
    )
    frontier = carried
    for _ in range(MAX_REDELIVERY_DEPTH):
        if not frontier:
            break
        found.update(frontier)
        frontier = (
            set(Delivery.objects.filter(redelivery_of__in=frontier).values_list("pk", flat=True))
            - found
        )
    return found


def _search_page(
    rows: QuerySet[Delivery], q: str, *, after: str | None, limit: int, scan_limit: int
) -> Page:
    """Deliveries whose events have `q` as type, uuid or actor, examining at most `scan_limit`
    of the newest rows after the cursor.

    The database narrows by substring (`body` contains `q`, within that window only), and
    hooks.delivery.delivery_log.carries confirms on the parsed envelope, so "admin" does not
    find every delivery that merely mentions an admin target. A window that ends before the
    page is full makes a partial page whose cursor continues after the window.
    """
    from hooks.delivery.delivery_log import carries

    if after:
        moment, pk = decode_cursor(after)
        rows = rows.filter(created_at__lte=moment).filter(
            Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk)
        )
    limit = max(1, min(limit, MAX_PAGE))
    window = rows.order_by("-created_at", "-id").values("pk")[:scan_limit]
    candidates = with_log_state(Delivery.objects.filter(pk__in=window, body__icontains=q))
    found: list[Delivery] = []
    for delivery in candidates.order_by("-created_at", "-id").iterator(chunk_size=100):
        if not carries(delivery.body, q):
            continue
        if len(found) == limit:  # one more match: the page is full and has a next one
            last = found[-1]
            return Page(items=found, next_cursor=encode_cursor(last.created_at, last.pk))
        found.append(delivery)
    edge = list(
        rows.order_by("-created_at", "-id").values_list("created_at", "pk")[
            scan_limit - 1 : scan_limit
        ]
    )
    if edge:  # the window was full: older rows are unexamined
        return Page(items=found, next_cursor=encode_cursor(*edge[0]), partial=True)
    return Page(items=found, next_cursor=None)


def with_log_state(rows: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """`rows` with what the delivery log shows beyond the row itself (hooks.delivery.delivery_log):
    the newest finished attempt's status, error and time, the eventId of the delivery this
    one redelivers, and of the newest redelivery that replaced it.

    Read from the attempts, not the row's last_* columns, because those are written only
    when a delivery finishes: a delivery waiting for a retry must still show why. Each is
    a LIMIT 1 probe of an index ((delivery, number); redelivery_of) or a join, per row of
    the page: no query per row.
    """
    finished = (
        DeliveryAttempt.objects.filter(delivery=OuterRef("pk"))
        .exclude(outcome=DeliveryAttempt.Outcome.IN_PROGRESS)
        .order_by("-number")
    )
    replaced_by = Delivery.objects.filter(redelivery_of=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    return rows.annotate(
        last_attempt_status=Subquery(finished.values("response_status")[:1]),
        last_attempt_error=Subquery(finished.values("error")[:1]),
        last_attempt_at=Subquery(finished.values("finished_at")[:1]),
        last_attempt_duration=Subquery(finished.values("duration_ms")[:1]),
        redelivery_of_envelope_id=F("redelivery_of__envelope_id"),
        redelivered_as_envelope_id=Subquery(replaced_by.values("envelope_id")[:1]),
    )


def page_starting_at(delivery: Delivery) -> str:
    """An `after` cursor whose page starts with `delivery` (keyset pages exclude the
    cursor's row, so it points just past it)."""
    return encode_cursor(delivery.created_at, delivery.pk + 1)


def deliveries_matching(
    *, hook: EventHook, status: str | None, since: datetime | None, until: datetime | None
) -> QuerySet[Delivery]:
    """EVENTS deliveries of a hook matching a redelivery query.

    A FAILED delivery that a redelivery has replaced is left out: its events are in the
    redelivery, offered itself if it failed too. So "redeliver all failed" sends each
    lost batch once, and offers nothing once the redeliveries succeeded.
    """
    rows = Delivery.objects.filter(hook=hook, kind=Delivery.Kind.EVENTS)
    if status:
        rows = rows.filter(status=status)
    if status == Delivery.Status.FAILED:
        rows = rows.filter(~Exists(Delivery.objects.filter(redelivery_of=OuterRef("pk"))))
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    return rows.order_by("created_at", "id")


HOOK_SORTS = {
    "status": ("status", "name"),  # ACTIVE sorts before INACTIVE
    "name": ("name",),
    "-name": ("-name",),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


def hook_list(sort: str) -> tuple[list[EventHook], dict[str, str]]:
    """Every hook in the chosen order, and {event type name: label} for their types: 2 queries."""
    hooks = list(
        EventHook.objects.order_by(*HOOK_SORTS.get(sort, HOOK_SORTS["status"])).defer(
            "auth_value_encrypted",
            "signing_secret_encrypted",
            "previous_signing_secret_encrypted",
            "filters",
        )
    )
    names = {name for hook in hooks for name in hook.event_types}
    labels = dict(EventType.objects.filter(name__in=names).values_list("name", "label"))
    return hooks, labels


@dataclass
class CatalogGroup:
    category: str
    types: list[EventType]


def event_type_groups(
    *, q: str = "", keep: set[str] | frozenset = frozenset(), eligible_only: bool = True
) -> list[CatalogGroup]:
    """The catalog grouped by category in the console's order; `q` narrows it, `keep` stays."""
    rows = EventType.objects.all()
    if eligible_only:
        rows = rows.filter(Q(hook_eligible=True) | Q(name__in=keep))
    if q:
        rows = rows.filter(
            Q(name__icontains=q)
            | Q(label__icontains=q)
            | Q(description__icontains=q)
            | Q(category__icontains=q)
            | Q(name__in=keep)
        )
    groups: dict[str, list[EventType]] = {}
    for row in rows.order_by("name"):
        groups.setdefault(row.category, []).append(row)
    order = {name: index for index, name in enumerate(CATEGORIES)}
    return [
        CatalogGroup(category, types)
        for category, types in sorted(groups.items(), key=lambda g: (order.get(g[0], 99), g[0]))
    ]


def subscribers_by_type() -> dict[str, list[tuple[str, str]]]:
    """{event type name: [(hook id, hook name), ...]} for every hook: one query."""
    subscribers: dict[str, list[tuple[str, str]]] = {}
    for hook_id, name, types in EventHook.objects.order_by("name").values_list(
        "id", "name", "event_types"
    ):
        for event_type in types:
            subscribers.setdefault(event_type, []).append((hook_id, name))
    return subscribers


def hook_activity(hook: EventHook, *, after: str | None = None, limit: int = 50) -> Page:
    """The hook's own System Log entries (its `event_hook.*` audit trail), newest first.

    Audit entries name the hook as their first target; a key lookup on it works
    the same on SQLite and PostgreSQL, where a JSON `contains` does not.
    """
    rows = Event.objects.filter(event_type__in=AUDIT_EVENT_TYPES, data__target__0__id=hook.id)
    return keyset_page(rows, time_field="published", after=after, limit=limit)


@dataclass(frozen=True)
class RedeliveryProgress:
    """How far a "redeliver all failed" batch has come."""

    total: int
    pending: int
    succeeded: int
    failed: int

    @property
    def done(self) -> int:
        return self.succeeded + self.failed

    @property
    def finished(self) -> bool:
        return self.done >= self.total


def redelivery_progress(hook: EventHook, *, started: datetime) -> RedeliveryProgress:
    """Counts by status of the redeliveries of `hook` queued since `started`: one query."""
    counts = Counter(
        dict(
            Delivery.objects.filter(hook=hook, redelivery_of__isnull=False, created_at__gte=started)
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
        )
    )
    pending = counts[Delivery.Status.PENDING] + counts[Delivery.Status.SENDING]
    return RedeliveryProgress(
        total=sum(counts.values()),
        pending=pending,
        succeeded=counts[Delivery.Status.SUCCEEDED],
        failed=counts[Delivery.Status.FAILED],
    )


@dataclass(frozen=True)
class HookOverview:
    """What the read-only Overview shows beyond the hook row itself."""

    created_by: str  # a username; the external id when the user is gone; "" when unknown
    secret_fingerprint: str  # first 8 hex digits of SHA-256 of the signing secret, never it
    secret_rotated_at: datetime | None  # None: never rotated, the secret is the creation one
    event_types: list[tuple[str, str, str]]  # (name, label, filter expression or "")


def secret_fingerprint(secret: str) -> str:
    """Enough of the secret's SHA-256 to tell two secrets apart, nothing to sign with."""
    return hashlib.sha256(secret.encode()).hexdigest()[:8] if secret else ""


def hook_overview(hook: EventHook) -> HookOverview:
    """The Overview's extra facts: 3 small queries (creator, last rotation, type labels).

    The rotation time is read from the hook's own audit trail (the rotation writes an
    `event_hook.updated` entry with debugData.change = signingSecret.rotate), so no column
    has to mirror it.
    """
    creator = ""
    if hook.created_by_id is not None:
        users = get_user_model().objects.filter(pk=hook.created_by_id)
        creator = users.values_list("username", flat=True).first() or ""
    rotated = (
        Event.objects.filter(
            event_type="event_hook.updated",
            data__target__0__id=hook.id,
            data__debugContext__debugData__change="signingSecret.rotate",
        )
        .order_by("-published", "-id")
        .values_list("published", flat=True)
        .first()
    )
    labels = dict(EventType.objects.filter(name__in=hook.event_types).values_list("name", "label"))
    return HookOverview(
        created_by=creator or hook.created_by_external_id,
        secret_fingerprint=secret_fingerprint(hook.signing_secret),
        secret_rotated_at=rotated,
        event_types=[
            (name, labels.get(name, name), hook.filters.get(name, "")) for name in hook.event_types
        ],
    )
