"""The delivery engine: claim queued matches into envelopes, send, record, retry.

At least once: an attempt row is written before each request and completed
after it; a SENDING delivery carries a lease, and the sweeper re-queues any
whose lease ran out (its worker died). Claims are compare-and-set updates, so
duplicate tasks are harmless.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hooks import payloads, retry_policy, signing, transport
from hooks.health import record_failure, record_success
from hooks.models import Delivery, DeliveryAttempt, Event, EventHook, Match
from hooks.redaction import redact_headers
from hooks.verification import endpoint_headers

logger = logging.getLogger(__name__)


def _lease() -> timezone.datetime:
    return timezone.now() + timedelta(seconds=settings.HOOKS_LEASE_SECONDS)


def _hook_is_backing_off(hook: EventHook) -> bool:
    """True while a failing hook waits for a retry: new events then wait in the outbox,
    so that a dead endpoint costs one request per retry step, not one per batch."""
    return (
        hook.failing_since is not None
        and Delivery.objects.filter(
            hook=hook, kind=Delivery.Kind.EVENTS, status=Delivery.Status.PENDING,
            next_attempt_at__gt=timezone.now(),
        ).exists()
    )  # fmt: skip


def claim_batch(hook: EventHook) -> Delivery | None:
    """Move up to HOOKS_MAX_BATCH unclaimed matches of `hook` into a new SENDING delivery."""
    limit = max(1, settings.HOOKS_MAX_BATCH)
    with transaction.atomic():
        unclaimed = Match.objects.filter(hook=hook, delivery__isnull=True).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            unclaimed = unclaimed.select_for_update(skip_locked=True)
        ids = list(unclaimed.values_list("id", flat=True)[:limit])
        if not ids:
            return None
        delivery = Delivery.objects.create(
            hook=hook, status=Delivery.Status.SENDING, lease_expires_at=_lease()
        )
        claimed = Match.objects.filter(id__in=ids, delivery__isnull=True).update(delivery=delivery)
        if not claimed:
            transaction.set_rollback(True)
            return None
        events = list(
            Event.objects.filter(matches__delivery=delivery)
            .order_by("published", "id")
            .values_list("data", flat=True)
        )
        document = payloads.envelope(
            hook_id=hook.id, event_id=str(delivery.event_id), events=events
        )
        delivery.body = payloads.encode(document)
        delivery.event_count = len(events)
        delivery.save(update_fields=["body", "event_count"])
    return delivery


def deliver_hook(hook_id: str) -> int:
    """Deliver everything queued for one hook, batch after batch; return batches sent.

    Stops at the first failed batch: its retry is scheduled and later events wait
    in the outbox, so one failing endpoint never keeps a worker busy for long.
    """
    hook = EventHook.objects.filter(pk=hook_id).first()
    if hook is None or not hook.is_deliverable or _hook_is_backing_off(hook):
        return 0
    sent = 0
    while True:
        delivery = claim_batch(hook)
        if delivery is None:
            return sent
        sent += 1
        if not send_delivery(delivery, hook=hook):
            return sent
        hook.refresh_from_db(fields=["status", "verification_status"])
        if not hook.is_deliverable:
            return sent


def retry_delivery(delivery_id: int) -> bool:
    """Send a PENDING delivery whose retry is due (claimed with compare-and-set)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).update(status=Delivery.Status.SENDING, lease_expires_at=_lease(), next_attempt_at=None)
    if not claimed:
        return False
    delivery = Delivery.objects.select_related("hook").get(pk=delivery_id)
    succeeded = send_delivery(delivery, hook=delivery.hook)
    if succeeded:
        # The hook recovered: flush whatever queued up while it was failing.
        from hooks.dispatch import enqueue_hook_deliveries

        enqueue_hook_deliveries([delivery.hook_id])
    return succeeded


def send_delivery(delivery: Delivery, *, hook: EventHook) -> bool:
    """Attempt a SENDING delivery (with Okta's immediate first retry); return success."""
    while True:
        result = attempt(delivery, hook=hook)
        decision = retry_policy.decide(result, attempts_made=delivery.attempt_count)
        if decision.succeeded:
            _finish(delivery, Delivery.Status.SUCCEEDED, result)
            if delivery.kind == Delivery.Kind.EVENTS:
                record_success(hook)
            return True
        if decision.delay == 0 and delivery.kind == Delivery.Kind.EVENTS:
            continue  # Okta's single immediate retry
        if decision.final or delivery.kind != Delivery.Kind.EVENTS:
            _finish(delivery, Delivery.Status.FAILED, result)
            record_failure(hook, delivery=delivery, result=result, exhausted=True,
                           gone=decision.gone)  # fmt: skip
            return False
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING,
            lease_expires_at=None,
            next_attempt_at=timezone.now() + timedelta(seconds=decision.delay),
        )
        record_failure(hook, delivery=delivery, result=result, exhausted=False)
        return False


def request_headers(delivery: Delivery, hook: EventHook, body: bytes) -> dict[str, str]:
    """Every header of a delivery: Okta's, the hook's own, then the signature."""
    from hooks.services import hook_signing_secrets

    headers = payloads.base_headers()
    headers.update(endpoint_headers(hook))
    secrets = hook_signing_secrets(hook)
    if secrets:
        headers.update(
            signing.signature_headers(secrets=secrets, msg_id=str(delivery.event_id), body=body)
        )
    return headers


def attempt(delivery: Delivery, *, hook: EventHook) -> transport.DeliveryResult:
    """One HTTP try: the attempt row is written before the request and completed after."""
    body = delivery.body.encode()
    headers = request_headers(delivery, hook, body)
    delivery.attempt_count += 1
    row = DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempt_count,
        started_at=timezone.now(),
        request_headers=redact_headers(headers, hook=hook),
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        attempt_count=delivery.attempt_count, lease_expires_at=_lease()
    )
    started = time.perf_counter()
    result = transport.send(url=hook.uri, body=body, headers=headers)
    row.outcome = DeliveryAttempt.Outcome.SUCCESS if result.ok else DeliveryAttempt.Outcome.FAILURE
    row.finished_at = timezone.now()
    row.duration_ms = result.duration_ms or (time.perf_counter() - started) * 1000
    row.response_status = result.status_code
    row.response_headers = result.response_headers
    row.response_excerpt = result.response_excerpt
    row.error = result.error
    row.save(
        update_fields=[
            "outcome", "finished_at", "duration_ms", "response_status",
            "response_headers", "response_excerpt", "error",
        ]
    )  # fmt: skip
    if not result.ok:
        logger.info(
            "hook %s delivery %s attempt %d failed: %s",
            hook.id, delivery.event_id, delivery.attempt_count,
            result.error or f"HTTP {result.status_code}",
        )  # fmt: skip
    return result


def _finish(delivery: Delivery, status: str, result: transport.DeliveryResult) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        lease_expires_at=None,
        next_attempt_at=None,
        completed_at=timezone.now(),
        last_status_code=result.status_code,
        last_error=result.error or ("" if result.ok else f"HTTP {result.status_code}"),
    )


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Queue a new delivery of the same events under a new eventId (a receiver that
    de-duplicates on eventId must see it again); return it."""
    events = json.loads(delivery.body)["data"]["events"] if delivery.body else []
    with transaction.atomic():
        copy = Delivery.objects.create(
            hook=delivery.hook,
            kind=Delivery.Kind.EVENTS,
            status=Delivery.Status.PENDING,
            next_attempt_at=timezone.now(),
            redelivery_of=delivery,
            event_count=len(events),
        )
        copy.body = payloads.encode(
            payloads.envelope(hook_id=delivery.hook_id, event_id=str(copy.event_id), events=events)
        )
        copy.save(update_fields=["body"])
    from hooks.dispatch import enqueue

    transaction.on_commit(lambda: enqueue("hooks.tasks.retry_delivery", copy.pk, group="retry"))
    return copy
