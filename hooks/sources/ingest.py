"""Events coming in from an Okta org: an event hook envelope or a System Log page
becomes System Log events, through the same publish path (outbox, matching, enqueue after
commit) as events published here.

Okta's events keep their `uuid`, `published`, `eventType` and body. Types our catalog does
not know are stored all the same (they are the org's record). A uuid already stored is a
duplicate (Okta retries, and an event hook and a reader may both bring the same event):
the unique uuid column and the publish path's conflict handling make that race-safe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hooks.models import Source
from hooks.systemlog.event_types import catalog_messages
from hooks.systemlog.events import EventValidationError, normalize_log_event, parse_timestamp
from hooks.systemlog.publishing import PublishResult, event_publish


class EnvelopeError(ValueError):
    """The body is not an Okta event hook envelope; the message says why (a 400)."""


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int
    rejected: list[str]  # causes of events that could not be stored


def parse_envelope(body: bytes) -> list:
    """The `data.events` of an Okta event hook envelope, or raise EnvelopeError."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise EnvelopeError(f"The body is not JSON: {error}") from None
    if not isinstance(envelope, dict):
        raise EnvelopeError("The body must be a JSON object (an event hook envelope)")
    data = envelope.get("data")
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise EnvelopeError("data.events must be an array of LogEvents")
    return events


def normalize_incoming(raw_events: list) -> tuple[list[dict], list[str]]:
    """(LogEvents that can be stored, causes for the others). A foreign org's event is
    kept whole; only what the System Log needs (uuid, published, type) is required."""
    catalog = catalog_messages()
    events, rejected = [], []
    for index, raw in enumerate(raw_events):
        if not isinstance(raw, dict) or not raw.get("uuid"):
            rejected.append(f"events[{index}]: a LogEvent with a uuid is required")
            continue
        try:
            events.append(normalize_log_event(raw, catalog=catalog, index=index, any_type=True))
        except EventValidationError as error:
            rejected.extend(error.causes)
    return events, rejected


def store_events(
    source: Source,
    raw_events: list,
    *,
    in_transaction: Callable[[PublishResult], None] | None = None,
) -> IngestResult:
    """Store `raw_events` as coming from `source` and update its counters, in one
    transaction with whatever `in_transaction` writes (a reader's position)."""
    events, rejected = normalize_incoming(raw_events)

    def bookkeeping(result: PublishResult) -> None:
        changes: dict = {}
        if result.events:
            changes["events_received"] = F("events_received") + len(result.events)
            changes["last_event_at"] = timezone.now()
        times = (parse_timestamp(e["published"]) for e in events)
        newest = max((t for t in times if t is not None), default=None)
        if newest is not None and (
            source.newest_published is None or newest > source.newest_published
        ):
            changes["newest_published"] = newest
            source.newest_published = newest
        if changes:
            Source.objects.filter(pk=source.pk).update(**changes)
        if in_transaction is not None:
            in_transaction(result)

    if not events:
        if in_transaction is not None:
            with transaction.atomic():
                in_transaction(PublishResult())
        return IngestResult(0, 0, rejected)
    result = event_publish(
        events=events, normalized=True, source_id=source.pk, in_transaction=bookkeeping
    )
    return IngestResult(len(result.events), result.duplicates, rejected)
