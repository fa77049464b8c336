"""Claiming the outbox: queued matches of one hook become SENDING deliveries.

One short transaction reads the hook's oldest unclaimed matches, packs them into up
to HOOKS_CLAIM_DELIVERIES envelopes of up to HOOKS_MAX_BATCH events and
HOOKS_MAX_BATCH_BYTES bytes (an event larger than that alone), inserts the
deliveries with their bodies and a started first attempt each (recorded before any
request), and claims the matches by compare-and-set. Several deliveries per claim
matter most without batching: one write transaction (on SQLite, one wait for the
database's single write lock) then serves several requests instead of one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hooks.lib import sql as prepared_sql
from hooks.models import Delivery, DeliveryAttempt, Event, EventHook, OutboxEntry
from hooks.outbound import payloads
from hooks.outbound.endpoint import Endpoint


@dataclass
class Claimed:
    """A claimed delivery and its first attempt, ready to send."""

    delivery: Delivery
    attempt: DeliveryAttempt
    body: bytes
    headers: dict[str, str]  # with the secrets: sent, never stored


@dataclass(frozen=True)
class Claim:
    """A claim of the outbox: its deliveries in event order, and whether more may wait."""

    deliveries: list[Claimed]
    more_waiting: bool  # every envelope came out full, or some events read did not fit


def lease() -> datetime:
    return timezone.now() + timedelta(seconds=settings.HOOKS_LEASE_SECONDS)


def claim_deliveries(endpoint: Endpoint, *, deliveries: int) -> Claim:
    """Claim up to `deliveries` envelopes of the hook's oldest queued events. Nothing is
    claimed once the hook is no longer ACTIVE and VERIFIED."""
    hook = endpoint.hook
    per_delivery = max(1, settings.HOOKS_MAX_BATCH)
    capacity = per_delivery * max(1, deliveries)
    with transaction.atomic():
        rows = _unclaimed(hook, capacity)
        if not rows:
            return Claim([], more_waiting=False)
        rows.sort(key=lambda row: (row[1], row[2]))  # envelopes list events by time
        envelopes = _pack(hook, rows, per_delivery=per_delivery, most=max(1, deliveries))
        now, leased = timezone.now(), lease()
        claimed = []
        for chunk in envelopes:
            delivery = Delivery(
                hook=hook,
                status=Delivery.Status.SENDING,
                lease_expires_at=leased,
                event_count=len(chunk),
                attempt_count=1,
            )
            delivery.body = payloads.encode_envelope(
                hook_id=hook.id,
                envelope_id=str(delivery.envelope_id),
                encoded_events=[text for _, text in chunk],
            )
            body = delivery.body.encode()
            headers = endpoint.request_headers(delivery, body)
            attempt = DeliveryAttempt(
                delivery=delivery,
                number=1,
                started_at=now,
                request_headers=endpoint.stored_headers(headers),
            )
            claimed.append(Claimed(delivery, attempt, body, headers))
        prepared_sql.insert_many([c.delivery for c in claimed], key="envelope_id")
        owner = {
            match_id: c.delivery.pk
            for c, chunk in zip(claimed, envelopes, strict=True)
            for match_id, _ in chunk
        }
        if _claim_entries(owner) != len(owner):
            # Only possible without row locks (another worker claimed some meanwhile):
            # leave them all to that worker, which keeps claiming until none are left.
            transaction.set_rollback(True)
            return Claim([], more_waiting=False)
        for c in claimed:
            c.attempt.delivery_id = c.delivery.pk
        prepared_sql.insert_many([c.attempt for c in claimed], key="delivery")
    return Claim(claimed, more_waiting=len(rows) == capacity or len(owner) < len(rows))


def _pack(
    hook: EventHook, rows: list[tuple], *, per_delivery: int, most: int
) -> list[list[tuple[int, str]]]:
    """Split `rows` (in order) into at most `most` envelopes of (match id, encoded event):
    at most `per_delivery` events and HOOKS_MAX_BATCH_BYTES bytes of body each, except
    that an event larger than that goes alone. Rows that do not fit stay unclaimed.

    Each event is encoded once, here: the same text is measured and then sent.
    """
    limit = settings.HOOKS_MAX_BATCH_BYTES
    # Every envelope of this hook has the same size around its events (an eventId is a
    # UUID and eventTime one fixed format).
    empty = payloads.encode_envelope(
        hook_id=hook.id, envelope_id=str(uuid.uuid4()), encoded_events=[]
    )
    overhead = len(empty.encode())
    envelopes: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    size = overhead
    for match_id, _published, _event_id, data in rows:
        text = payloads.encode(data)
        grown = size + len(text.encode()) + (1 if current else 0)  # + the comma
        if current and (len(current) == per_delivery or grown > limit):
            envelopes.append(current)
            if len(envelopes) == most:
                return envelopes
            current, grown = [], overhead + len(text.encode())
        current.append((match_id, text))
        size = grown
    envelopes.append(current)
    return envelopes


def release(claimed: list[Claimed]) -> None:
    """Put claimed deliveries that were never sent back into the outbox, as if unclaimed."""
    ids = [c.delivery.pk for c in claimed]
    if not ids:
        return
    with transaction.atomic():
        OutboxEntry.objects.filter(delivery_id__in=ids).update(delivery=None)
        DeliveryAttempt.objects.filter(delivery_id__in=ids).delete()
        Delivery.objects.filter(pk__in=ids).delete()


def _unclaimed(hook: EventHook, limit: int) -> list[tuple]:
    """(entry id, event published, event id, event data) of the hook's oldest unclaimed
    outbox entries, none once the hook is no longer ACTIVE and VERIFIED; locked where
    possible."""
    if connection.vendor == "sqlite":
        rows = prepared_sql.sqlite_oldest_unclaimed(
            OutboxEntry,
            Event,
            EventHook,
            index="match_unclaimed_idx",
            hook_id=hook.pk,
            status=EventHook.Status.ACTIVE,
            verification=EventHook.Verification.VERIFIED,
            limit=limit,
        )
        data = Event._meta.get_field("data")
        # `published` stays SQLite's text: it is only a sort key, and sorts as the time.
        # No expression (the stubs require one; JSONField only looks for a KeyTransform).
        return [
            (m, published, e, data.from_db_value(raw, None, connection))  # type: ignore[arg-type]
            for m, published, e, raw in rows
        ]
    unclaimed = OutboxEntry.objects.filter(
        hook=hook,
        delivery__isnull=True,
        hook__status=EventHook.Status.ACTIVE,
        hook__verification_status=EventHook.Verification.VERIFIED,
    ).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        of = ("self",) if connection.features.has_select_for_update_of else ()
        unclaimed = unclaimed.select_for_update(skip_locked=True, of=of)
    return list(unclaimed.values_list("id", "event__published", "event_id", "event__data")[:limit])


def _claim_entries(owner: dict[int, int]) -> int:
    """Point each still unclaimed outbox entry (id -> delivery id) at its delivery; return
    how many."""
    by_delivery: dict[int, list[int]] = {}
    for entry_id, delivery_id in owner.items():
        by_delivery.setdefault(delivery_id, []).append(entry_id)
    return sum(
        prepared_sql.set_where_null(OutboxEntry, "delivery", delivery_id, ids)
        for delivery_id, ids in by_delivery.items()
    )
