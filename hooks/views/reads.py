"""Console-only reads: the queries behind the list pages, each a fixed number of queries.

They belong with hooks/selectors.py in spirit; they live here because that module
is not the console's to change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from hooks.catalog import AUDIT_EVENT_TYPES, CATEGORIES
from hooks.models import Delivery, Event, EventHook, EventType
from hooks.selectors import MAX_PAGE, Page, decode_cursor, encode_cursor

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
            "auth_value_encrypted", "signing_secret_encrypted",
            "previous_signing_secret_encrypted", "filters",
        )
    )  # fmt: skip
    names = {name for hook in hooks for name in hook.event_types}
    labels = dict(EventType.objects.filter(name__in=names).values_list("name", "label"))
    return hooks, labels


@dataclass
class CatalogGroup:
    category: str
    types: list[EventType]


def event_type_groups(*, q: str = "", keep: set[str] | frozenset = frozenset(),
                      eligible_only: bool = True) -> list[CatalogGroup]:  # fmt: skip
    """The catalog grouped by category in the console's order; `q` narrows it, `keep` stays."""
    rows = EventType.objects.all()
    if eligible_only:
        rows = rows.filter(Q(hook_eligible=True) | Q(name__in=keep))
    if q:
        rows = rows.filter(
            Q(name__icontains=q) | Q(label__icontains=q) | Q(description__icontains=q)
            | Q(category__icontains=q) | Q(name__in=keep)
        )  # fmt: skip
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


def _keyset(rows: QuerySet[Event], after: str | None, limit: int) -> Page:
    if after:
        moment, pk = decode_cursor(after)
        rows = rows.filter(Q(published__lt=moment) | Q(published=moment, id__lt=pk))
    limit = max(1, min(limit, MAX_PAGE))
    items = list(rows.order_by("-published", "-id")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor(items[-1].published, items[-1].pk)
    return Page(items=items, next_cursor=next_cursor)


def log_page(
    *,
    event_type: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page:
    """One page of the System Log, newest first, by keyset (CursorError for a bad cursor)."""
    rows = Event.objects.all()
    if event_type:
        rows = rows.filter(event_type=event_type)
    if actor:
        rows = rows.filter(Q(actor_id=actor) | Q(data__actor__alternateId=actor))
    if since:
        rows = rows.filter(published__gte=since)
    if until:
        rows = rows.filter(published__lt=until)
    return _keyset(rows, after, limit)


def hook_activity(hook: EventHook, *, after: str | None = None, limit: int = 50) -> Page:
    """The hook's own System Log entries (its `event_hook.*` audit trail), newest first.

    Audit entries name the hook as their first target; a key lookup on it works
    the same on SQLite and PostgreSQL, where a JSON `contains` does not.
    """
    rows = Event.objects.filter(event_type__in=AUDIT_EVENT_TYPES, data__target__0__id=hook.id)
    return _keyset(rows, after, limit)


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
