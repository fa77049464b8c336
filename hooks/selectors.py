"""Reads that are more than one .filter(): keyset pages, the console's list queries."""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from hooks.catalog import AUDIT_EVENT_TYPES, CATEGORIES
from hooks.models import Delivery, DeliveryAttempt, Event, EventHook, EventType
from hooks.systemlog.events import parse_timestamp

MAX_PAGE = 200


class CursorError(ValueError):
    """An `after` cursor that this server did not make."""


def encode_cursor(moment: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment_text, pk_text = base64.urlsafe_b64decode(padded).decode().split("|")
        moment, pk = parse_timestamp(moment_text), int(pk_text)
        if moment is None or not 0 < pk < 2**63:  # a bigint id; larger overflows the query
            raise ValueError
        return moment, pk
    except (ValueError, UnicodeDecodeError):
        raise CursorError(f"'{cursor}' is not a cursor from a previous page") from None


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None
    partial: bool = False  # cut short by a bounded scan: the rest is behind next_cursor


def keyset_page(rows: QuerySet, *, time_field: str, after: str | None, limit: int) -> Page:
    """Rows newest first by (`time_field`, id), one page after the cursor `after`.

    Keyset pagination: each page is an index range scan, as fast at row one
    million as at row one, unlike OFFSET.
    """
    if after:
        moment, pk = decode_cursor(after)
        # The plain `<=` bound lets the database range-scan the index; the OR alone would not.
        rows = rows.filter(**{f"{time_field}__lte": moment}).filter(
            Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "id__lt": pk})
        )
    limit = max(1, min(limit, MAX_PAGE))
    items = list(rows.order_by(f"-{time_field}", "-id")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor(getattr(items[-1], time_field), items[-1].pk)
    return Page(items=items, next_cursor=next_cursor)


def deliveries_page(
    *,
    hook: EventHook,
    status: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page:
    """One page of a hook's deliveries, newest first, by keyset (fast at millions of rows)."""
    rows: QuerySet[Delivery] = Delivery.objects.filter(hook=hook)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    return keyset_page(with_log_state(rows), time_field="created_at", after=after, limit=limit)


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
        redelivery_of_event_id=F("redelivery_of__event_id"),
        redelivered_as_event_id=Subquery(replaced_by.values("event_id")[:1]),
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


def log_page(
    *,
    event_type: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
    source: str = "",
) -> Page:
    """One page of the System Log, newest first, by keyset (CursorError for a bad cursor).

    `source` keeps the events that came in from that source (hooks/sources/).

    `actor` is an actor id or alternateId. An id some event has is read through the actor
    index; anything else is compared with actor.alternateId by the bounded scan of
    hooks/systemlog/scan.py (at most HOOKS_LOG_SCAN_LIMIT rows a page), whose partial pages
    carry a cursor that continues after the last row examined.
    """
    from hooks.systemlog.query import Clause, text_contains
    from hooks.systemlog.scan import after as rows_after
    from hooks.systemlog.scan import scan_page

    rows = Event.objects.all()
    predicates = []
    if event_type:
        rows = rows.filter(event_type=event_type)
    if source:
        rows = rows.filter(source_id=source)
    if actor:
        if Event.objects.filter(actor_id=actor).exists():
            rows = rows.filter(actor_id=actor)
        else:
            predicates.append(Clause(_alternate_id_is(actor), text_test=text_contains(actor)))
    if since:
        rows = rows.filter(published__gte=since)
    if until:
        rows = rows.filter(published__lt=until)
    if after:
        rows = rows_after(rows, decode_cursor(after), descending=True)
    page = scan_page(rows, predicates, limit=max(1, min(limit, MAX_PAGE)), descending=True)
    cursor = encode_cursor(*page.next_position) if page.next_position else None
    return Page(items=page.items, next_cursor=cursor, partial=page.partial)


def _alternate_id_is(value: str):
    def test(data) -> bool:
        actor = data.get("actor") if isinstance(data, dict) else None
        return isinstance(actor, dict) and actor.get("alternateId") == value

    return test


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
