"""Redelivery, one delivery or by query: one service for the API, the console and
`manage.py redeliver`, which each turn HookNotDeliverable into their own error."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from hooks.delivery.dispatch import enqueue
from hooks.models import Delivery, EventHook
from hooks.outbound import payloads


class HookNotDeliverable(Exception):
    """A redelivery was asked for a hook that is not ACTIVE and VERIFIED: nothing would
    send it (retries and redeliveries of such a hook wait), so it is refused outright."""

    def __init__(self, hook: EventHook):
        state = f"{hook.status.lower()} and {hook.verification_status.lower()}"
        super().__init__(
            f"The event hook {hook.name!r} is not active and verified (it is {state}): "
            "activate and verify it first, then redeliver."
        )


def ensure_deliverable(hook: EventHook) -> None:
    """Raise HookNotDeliverable unless `hook` is ACTIVE and VERIFIED (read afresh)."""
    hook.refresh_from_db(fields=["status", "verification_status"])
    if not hook.is_deliverable:
        raise HookNotDeliverable(hook)


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Queue a new delivery of the same events under a new eventId (a receiver that
    de-duplicates on eventId must see it again); return it."""
    ensure_deliverable(delivery.hook)
    return _queue_copy(delivery)


def deliveries_redeliver(
    *,
    hook: EventHook,
    deliveries: Iterable[Delivery],
    limit: int | None = None,
    on_progress: Callable[[int], object] | None = None,
) -> int:
    """Queue a redelivery of each of `hook`'s `deliveries` (at most `limit`); return how
    many were queued.

    Each redelivery is its own small transaction, so a long run never holds the
    database, and an interrupted run keeps what it already queued.
    """
    ensure_deliverable(hook)
    if limit is not None and hasattr(deliveries, "__getitem__"):
        deliveries = deliveries[:limit]
    queued = 0
    for delivery in deliveries:
        if delivery.kind == Delivery.Kind.VERIFICATION:
            continue
        _queue_copy(delivery)
        queued += 1
        if on_progress is not None:
            on_progress(queued)
    return queued


def _queue_copy(delivery: Delivery) -> Delivery:
    events = json.loads(delivery.body)["data"]["events"] if delivery.body else []
    with transaction.atomic():
        copy = Delivery.objects.create(
            hook_id=delivery.hook_id,
            kind=Delivery.Kind.EVENTS,
            status=Delivery.Status.PENDING,
            next_attempt_at=timezone.now(),
            redelivery_of=delivery,
            event_count=len(events),
        )
        copy.body = payloads.encode(
            payloads.envelope(
                hook_id=delivery.hook_id, envelope_id=str(copy.envelope_id), events=events
            )
        )
        copy.save(update_fields=["body"])
    transaction.on_commit(lambda: enqueue("hooks.tasks.retry_delivery", copy.pk, group="retry"))
    return copy


def send_pending_now(*, hook: EventHook) -> int:
    """ "Send now": every PENDING delivery of `hook` (retries waiting for their next step,
    queued redeliveries) is tried at once, oldest first, then its outbox; return how many
    were queued. If the first fails the rest wait for the next probe (hooks.delivery.recovery).
    The one service of the API, the console and `manage.py redeliver --pending`."""
    from hooks.delivery.recovery import send_backlog_now

    ensure_deliverable(hook)
    return send_backlog_now(hook.pk)
