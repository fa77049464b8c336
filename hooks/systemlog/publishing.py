"""Publishing events into the System Log and matching them to hooks (the outbox).

Events are matched to ACTIVE + VERIFIED hooks subscribed to their type whose filter
(if any) is true before the transaction; in one transaction the hook set is checked
again, the events are stored and the matches written: the matches are the outbox.
Workers are told only after commit, so a rolled-back publish never reaches an endpoint:
the delivery engine, a layer above, hears of the new outbox rows through the
`outbox_written` signal (hooks.systemlog.signals) and does the telling.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hooks.lib.sql import (
    backend,
    insert_many,
    insert_rows,
    json_value,
    present_values,
    select_equal,
)
from hooks.lib.timestamps import format_timestamp, parse_timestamp
from hooks.models import Event, EventHook, OutboxEntry
from hooks.outbound import payloads
from hooks.systemlog.event_types import catalog_messages
from hooks.systemlog.events import (
    SYSTEM_ACTOR,
    EventValidationError,
    normalize_log_event,
    target_for_hook,
)
from hooks.systemlog.matching import filter_allows
from hooks.systemlog.signals import outbox_written

logger = logging.getLogger(__name__)

MAX_EVENTS_PER_PUBLISH = 1000


@dataclass
class PublishResult:
    """What a publish stored: the new events, how many were already there, which hooks."""

    events: list[Event] = field(default_factory=list)
    duplicates: int = 0
    matched_hooks: set[str] = field(default_factory=set)
    match_count: int = 0
    # {uuid: the event's JSON text}, compact as envelopes carry it (payloads.encode): encoded
    # once per publish, for the database and for the API's answer.
    encoded: dict[str, str] = field(default_factory=dict)


def normalize_events(raw_events: Sequence[object]) -> list[dict]:
    """Return complete LogEvents, or raise EventValidationError with a cause per bad item."""
    if len(raw_events) > MAX_EVENTS_PER_PUBLISH:
        raise EventValidationError(
            [f"events: At most {MAX_EVENTS_PER_PUBLISH} events per request, got {len(raw_events)}"]
        )
    if not raw_events:
        raise EventValidationError(["events: Send at least one event"])
    catalog = catalog_messages()
    causes: list[str] = []
    events: list[dict] = []
    single = len(raw_events) == 1
    for index, raw in enumerate(raw_events):
        try:
            events.append(
                normalize_log_event(raw, catalog=catalog, index=None if single else index)
            )
        except EventValidationError as error:
            causes.extend(error.causes)
    if causes:
        raise EventValidationError(causes)
    return events


def event_publish(
    *,
    events: list[dict],
    normalized: bool = False,
    source_id: str | None = None,
    in_transaction: Callable[[PublishResult], None] | None = None,
) -> PublishResult:
    """Store LogEvents in the System Log, match them to hooks and queue deliveries.

    Idempotent on `uuid`: an event whose uuid is already stored is counted as a
    duplicate and neither stored nor delivered again. `source_id` names the source the
    events came in from; `in_transaction(result)` runs inside the publish transaction
    after the events and matches are written (a source reader saves its position there,
    so that position and events commit together; raising rolls everything back).
    """
    log_events = events if normalized else normalize_events(events)
    unique: dict[str, dict] = {}
    for log_event in log_events:
        unique.setdefault(log_event["uuid"], log_event)
    # Everything that needs no write is done before the transaction: on SQLite it takes
    # the database's single write lock (IMMEDIATE), which every publish and every worker
    # claim wait for. A uuid stored concurrently in between still ends as a duplicate
    # (the IntegrityError path below).
    existing = present_values(Event, "uuid", list(unique))
    now = timezone.now()
    rows = [
        _new_event(
            uuid=event_uuid,
            published=cast(datetime, parse_timestamp(log_event["published"])),  # normalized
            event_type=log_event["eventType"],
            actor_id=str((log_event.get("actor") or {}).get("id") or "")[:255],
            severity=log_event["severity"],
            data=log_event,
            created_at=now,
            source_id=source_id,
        )
        for event_uuid, log_event in unique.items()
        if event_uuid not in existing
    ]
    values, encoded = _prepared_values(rows)
    # Filters are evaluated before the transaction too: a costly filter (bounded by
    # HOOKS_FILTER_MAX_STEPS, but still milliseconds) must never hold the write lock.
    hooks = _deliverable_hooks() if rows else []
    planned = _plan_matches(rows, hooks)
    for round_number in range(1, _MATCH_ROUNDS + 1):
        try:
            return _store(
                log_events,
                rows,
                values,
                existing,
                hooks,
                planned,
                encoded=encoded,
                last_round=round_number == _MATCH_ROUNDS,
                in_transaction=in_transaction,
            )
        except _HooksChanged as changed:  # nothing was written: match again, outside
            hooks = changed.hooks
            planned = _plan_matches(rows, hooks)
    raise AssertionError("unreachable: the last round never raises _HooksChanged")


# Rounds of "match outside, check the hook set inside" before matching under the lock.
_MATCH_ROUNDS = 3


class _HooksChanged(Exception):
    """Inside the transaction the deliverable hooks are not those the matching used."""

    def __init__(self, hooks: list[EventHook]) -> None:
        self.hooks = hooks


def _store(
    log_events, rows, values, existing, hooks, planned, *, encoded, last_round, in_transaction=None
) -> PublishResult:
    """One transaction: check the hook set, insert the events, write their outbox rows."""
    with transaction.atomic():
        if rows:
            # The hook set is read again under the lock, so the outbox follows the hooks as
            # they are at commit time (as when matching happened inside): a hook deactivated
            # meanwhile only loses its matches; a new or edited one needs matching again.
            current = _deliverable_hooks()
            versions = {hook.id: hook.version for hook in hooks}
            if any(versions.get(hook.id) != hook.version for hook in current):
                if not last_round:
                    raise _HooksChanged(current)
                planned = _plan_matches(rows, current)  # hooks keep changing: match here
            planned = _keep_hooks(planned, {hook.id for hook in current})
        try:
            with transaction.atomic():
                stored = _insert_events(values, rows)
        except IntegrityError:
            # A concurrent publish stored some of the same uuids: fall back to one by one.
            stored = []
            for row in rows:
                try:
                    with transaction.atomic():
                        row.save(force_insert=True)
                    stored.append(row)
                except IntegrityError:
                    existing.add(row.uuid)
        result = PublishResult(
            events=stored, duplicates=len(log_events) - len(stored), encoded=encoded
        )
        _write_matches(stored, planned, result)
        if in_transaction is not None:
            in_transaction(result)
    return result


_EVENT_COLUMNS = (
    "uuid",
    "published",
    "event_type",
    "actor_id",
    "severity",
    "data",
    "created_at",
    "source",
)


_EVENT_ATTNAMES = tuple(field.attname for field in Event._meta.concrete_fields)


def _new_event(**values) -> Event:
    """Event(**values), built with positional arguments: Model.__init__ with keywords costs
    about twice as much (~7 against ~4 us), and one publish builds up to 1,000 events."""
    # django-stubs types each positional argument as the first field's.
    return Event(*[values.get(name) for name in _EVENT_ATTNAMES])  # type: ignore[misc]


def _prepared_values(rows: list[Event]) -> tuple[list[tuple], dict[str, str]]:
    """Return the database values of `rows` (_EVENT_COLUMNS), prepared as bulk_create
    prepares them (Field.get_db_prep_save) but before the transaction begins: on SQLite the
    transaction holds the write lock, and this preparation is most of bulk_create's time.
    Also each row's JSON text by uuid: encoded once, for the database and the answer."""
    db = backend()  # the backend itself, not the per-access proxy
    published = Event._meta.get_field("published")
    data = Event._meta.get_field("data")
    encoded = {row.uuid: payloads.encode(row.data) for row in rows}
    created_at = rows[0].created_at if rows else None
    created_value = Event._meta.get_field("created_at").get_db_prep_save(created_at, db)
    values = [
        (
            row.uuid,  # uuid, event_type, actor_id and severity are str already (CharFields)
            published.get_db_prep_save(row.published, db),
            row.event_type,
            row.actor_id,
            row.severity,
            json_value(data, row.data, encoded[row.uuid], db),
            created_value,  # the same moment for every row of one publish
            row.source_id,
        )
        for row in rows
    ]
    return values, encoded


def _insert_events(values: list[tuple], rows: list[Event]) -> list[Event]:
    """Insert `rows` with their prepared values (one multi-row INSERT ... RETURNING where the
    database can: less time under the write lock), giving each its primary key."""
    insert_many(rows, values, key="uuid", names=_EVENT_COLUMNS)
    return rows


def _deliverable_hooks() -> list[EventHook]:
    """The ACTIVE + VERIFIED hooks, with what matching needs. A prepared read (read twice
    per publish, once under the write lock): the ORM's compile of this query cost more
    than matching 100 events."""
    return select_equal(
        EventHook,
        ("name", "uri", "event_types", "filters", "version"),
        status=EventHook.Status.ACTIVE,
        verification_status=EventHook.Verification.VERIFIED,
    )


def _plan_matches(rows: list[Event], hooks: list[EventHook]) -> dict[str, list[str]]:
    """{event uuid: ids of the hooks it goes to}: subscription and filter (no writes but
    the audit of a filter that failed)."""
    by_type: dict[str, list[EventHook]] = {}
    for hook in hooks:
        for event_type in hook.event_types:
            by_type.setdefault(event_type, []).append(hook)
    planned: dict[str, list[str]] = {}
    for row in rows:
        hook_ids = [
            hook.id
            for hook in by_type.get(row.event_type, ())
            if filter_allows(hook, row.data, on_error=_record_filter_error)
        ]
        if hook_ids:
            planned[row.uuid] = hook_ids
    return planned


def _record_filter_error(hook: EventHook, event: dict, message: str) -> None:
    """Audit a filter that could not be evaluated: `event_hook.filter.error`, at most once a
    minute per hook."""
    if rate_limited(f"filter-error:{hook.id}", seconds=60):
        return
    audit_event(
        event_type="event_hook.filter.error",
        actor=dict(SYSTEM_ACTOR),
        hook=hook,
        outcome="FAILURE",
        reason=f"Filter for {event.get('eventType')} failed: {message}"[:500],
        severity="WARN",
        debug_data={"eventUuid": event.get("uuid"), "error": message},
    )


def _keep_hooks(planned: dict[str, list[str]], hook_ids: set[str]) -> dict[str, list[str]]:
    return {uuid: [h for h in hooks if h in hook_ids] for uuid, hooks in planned.items()}


def _write_matches(events: list[Event], planned: dict[str, list[str]], result) -> None:
    """Write the outbox rows of the stored `events`; tell the delivery engine (outbox_written),
    which enqueues their hooks on commit."""
    if not planned:
        return
    # Plain (hook_id, event_id, created_at) rows: this runs under the write lock, where
    # OutboxEntry.objects.bulk_create's per-object preparation cost ~5x the INSERT itself.
    created_at = OutboxEntry._meta.get_field("created_at").get_db_prep_save(
        timezone.now(), connection
    )
    matches = []
    for event in events:
        for hook_id in planned.get(event.uuid, ()):
            matches.append((hook_id, event.pk, created_at))
            result.matched_hooks.add(hook_id)
    if matches:
        insert_rows(OutboxEntry, ("hook", "event", "created_at"), matches)
        result.match_count = len(matches)
        outbox_written.send(sender=OutboxEntry, hook_ids=sorted(result.matched_hooks))


def audit_event(
    *,
    event_type: str,
    actor: dict,
    hook: EventHook,
    outcome: str = "SUCCESS",
    reason: str | None = None,
    severity: str = "INFO",
    debug_data: dict | None = None,
    transaction_detail: dict | None = None,
) -> Event:
    """Write one `event_hook.*` entry about `hook` to the System Log and return it."""
    raw = {
        "eventType": event_type,
        "published": format_timestamp(datetime.now(UTC)),
        "severity": severity,
        "actor": actor,
        "outcome": {"result": outcome, "reason": reason},
        "target": [target_for_hook(hook)],
        "transaction": {"type": "WEB", "id": None, "detail": transaction_detail or {}},
        "debugContext": {"debugData": debug_data or {}},
    }
    return event_publish(events=[raw]).events[0]


def rate_limited(key: str, *, seconds: int) -> bool:
    """Return True when `key` was already seen in the last `seconds` (shared cache)."""
    return not cache.add(f"hooks:ratelimit:{key}", 1, timeout=seconds)
