"""The console's System Log page: filters over the bounded scan, and where each event went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hooks.lib.keyset import MAX_PAGE, Page, decode_cursor, encode_cursor
from hooks.models import Event, OutboxEntry
from hooks.systemlog import scan as log_scan
from hooks.systemlog.query import Clause, compile_filter, keyword_clause, text_contains


def log_page(
    *,
    event_type: str = "",
    actor: str = "",
    q: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
    source: str = "",
) -> Page:
    """One page of the System Log, newest first, by keyset (CursorError for a bad cursor).

    `event_type` is a prefix (the API's `filter=eventType sw "…"`, so "user.session."
    finds both sign-in and sign-out) and `q` free text (the API's `q`: every term appears
    somewhere in the event). `actor` is an actor id or alternateId. An id some event has
    is read through the actor index; the other conditions are tested by the bounded scan
    of hooks/systemlog/scan.py (at most HOOKS_LOG_SCAN_LIMIT rows a page), whose partial
    pages carry a cursor that continues after the last row examined. `source` keeps the
    events that came in from that source (hooks/sources/).
    """
    rows = Event.objects.all()
    predicates = []
    if event_type:
        quoted = event_type.replace("\\", "\\\\").replace('"', '\\"')
        clause = compile_filter(f'eventType sw "{quoted}"')
        rows = rows.filter(clause.narrowing)  # the event_type index: a superset on SQLite
        predicates.append(clause)  # exact (case-sensitive) on every database
    if source:
        rows = rows.filter(source_id=source)
    if actor:
        if Event.objects.filter(actor_id=actor).exists():
            rows = rows.filter(actor_id=actor)
        else:
            predicates.append(Clause(_alternate_id_is(actor), text_test=text_contains(actor)))
    if q.strip():
        predicates.append(keyword_clause(q))
    if since:
        rows = rows.filter(published__gte=since)
    if until:
        rows = rows.filter(published__lt=until)
    if after:
        rows = log_scan.after(rows, decode_cursor(after), descending=True)
    page = log_scan.scan_page(rows, predicates, limit=max(1, min(limit, MAX_PAGE)), descending=True)
    cursor = encode_cursor(*page.next_position) if page.next_position else None
    return Page(items=page.items, next_cursor=cursor, partial=page.partial)


@dataclass(frozen=True)
class SentTo:
    """One hook an event went to, and the delivery that carried it (None: still queued)."""

    hook_id: str
    hook_name: str
    delivery_envelope_id: str | None
    delivery_status: str | None


def hooks_by_event(events: list[Event]) -> dict[int, list[SentTo]]:
    """{event pk: the hooks it was matched to} for a page of the System Log: one query.

    From the outbox (OutboxEntry rows), which keeps each matched event with the delivery that
    claimed it; a hook deleted since takes its matches with it.
    """
    sent: dict[int, list[SentTo]] = {event.pk: [] for event in events}
    rows = (
        OutboxEntry.objects.filter(event_id__in=list(sent))
        .order_by("hook__name", "id")
        .values_list(
            "event_id", "hook_id", "hook__name", "delivery__envelope_id", "delivery__status"
        )
    )
    for event_id, hook_id, name, delivery_envelope_id, status in rows:
        delivery = str(delivery_envelope_id) if delivery_envelope_id else None
        sent[event_id].append(SentTo(hook_id, name, delivery, status))
    return sent


def _alternate_id_is(value: str):
    def test(data) -> bool:
        actor = data.get("actor") if isinstance(data, dict) else None
        return isinstance(actor, dict) and actor.get("alternateId") == value

    return test
