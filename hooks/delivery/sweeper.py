"""The periodic sweeper: re-queues work whose worker died, whose retry is due, or whose
task was lost. Run every minute by a django-q2 schedule (hooks.tasks.sweep, which also
forgets API rate counters of past minutes) and by `manage.py sweep`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hooks.delivery import outcomes
from hooks.delivery.dispatch import enqueue, enqueue_hook_deliveries
from hooks.delivery.hook_health import record_failure
from hooks.delivery.recovery import probe_failing_hooks
from hooks.models import Delivery, DeliveryAttempt, EventHook, OutboxEntry
from hooks.outbound.transport import DeliveryResult

logger = logging.getLogger(__name__)

# Matches younger than this still have their own task on the way.
STALE_MATCH_AGE = timedelta(seconds=5)

WORKER_STOPPED = "The worker stopped during this attempt; the delivery was re-queued."
EXPIRED_AGAIN = (
    "The lease expired again before an outcome was recorded (the worker stopped, or "
    "could not record it); counted as a failed attempt."
)


@dataclass(frozen=True)
class SweepResult:
    expired_leases: int
    due_retries: int
    hooks_with_stale_matches: int
    probed_hooks: int = 0


def delivery_sweep() -> SweepResult:
    """Re-queue expired leases, due retries and forgotten matches, probe failing hooks;
    return counts."""
    now = timezone.now()
    expired = list(
        Delivery.objects.filter(
            status=Delivery.Status.SENDING, lease_expires_at__lt=now
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in expired:
        _expire_lease(pk, now)
    # VERIFICATION and PREVIEW rows have their own waiting callers; only re-send events.
    Delivery.objects.filter(pk__in=expired).exclude(kind=Delivery.Kind.EVENTS).update(
        status=Delivery.Status.FAILED,
        completed_at=now,
        last_error="The worker stopped before finishing.",
    )
    due = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING,
            kind=Delivery.Kind.EVENTS,
            next_attempt_at__lte=now,
            # Retries and redeliveries of a deactivated or unverified hook wait, still due,
            # and are picked up here once it is ACTIVE and VERIFIED again.
            hook__status=EventHook.Status.ACTIVE,
            hook__verification_status=EventHook.Verification.VERIFIED,
            # A failing hook's retries are the probe's (hooks.delivery.recovery): one at a time.
            hook__failing_since__isnull=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:5000]
    )
    for pk in due:
        enqueue("hooks.tasks.retry_delivery", pk, group="retry")
    probes = probe_failing_hooks(now)
    stale_hooks = list(
        OutboxEntry.objects.filter(
            delivery__isnull=True,
            created_at__lt=now - STALE_MATCH_AGE,
            hook__status=EventHook.Status.ACTIVE,
            hook__verification_status=EventHook.Verification.VERIFIED,
        )
        .order_by()  # without it, OutboxEntry's default ordering defeats DISTINCT
        .values_list("hook_id", flat=True)
        .distinct()
    )
    enqueue_hook_deliveries(stale_hooks)
    if expired or due or stale_hooks or probes:
        logger.info(
            "sweep: %d expired leases, %d due retries, %d hooks with waiting events, "
            "%d failing hooks probed",
            len(expired),
            len(due),
            len(stale_hooks),
            probes,
        )
    return SweepResult(len(expired), len(due), len(stale_hooks), probes)


def _expire_lease(pk: int, now) -> None:
    """Take back a delivery whose lease ran out (its worker died, or could not record
    the outcome). The first time it is re-queued at once: crash recovery. When its lease
    had run out before, the expiry counts as a failed attempt and follows the retry
    schedule, ending FAILED once exhausted: a delivery never goes on being sent every
    lease for ever."""
    row = Delivery.objects.filter(pk=pk).values("kind", "attempt_count").first()
    if row is None:
        return
    again = (
        row["kind"] == Delivery.Kind.EVENTS
        and DeliveryAttempt.objects.filter(
            delivery_id=pk, error__in=(WORKER_STOPPED, EXPIRED_AGAIN)
        ).exists()
    )
    result = DeliveryResult(None, {}, "", 0.0, EXPIRED_AGAIN, None)
    # None: re-queued at once, the attempt not counted as a failure.
    step = (
        outcomes.next_step(
            pk,
            kind=row["kind"],
            attempts_made=row["attempt_count"],
            result=result,
            now=now,
            worker_retries_at_once=False,
        )
        if again
        else None
    )
    with transaction.atomic():
        # Compare-and-set: a worker that is merely slow and finishes first wins.
        taken = Delivery.objects.filter(
            pk=pk, status=Delivery.Status.SENDING, lease_expires_at__lt=now
        )
        if step is None:
            changed = taken.update(
                status=Delivery.Status.PENDING, next_attempt_at=now, lease_expires_at=None
            )
        elif step.exhausted:
            changed = taken.update(
                status=Delivery.Status.FAILED,
                lease_expires_at=None,
                next_attempt_at=None,
                completed_at=now,
                last_status_code=None,
                last_error=EXPIRED_AGAIN,
            )
        else:
            changed = taken.update(
                status=Delivery.Status.PENDING,
                next_attempt_at=step.due(now),
                lease_expires_at=None,
                last_error=EXPIRED_AGAIN,
            )
        if changed:
            DeliveryAttempt.objects.filter(
                delivery_id=pk, outcome=DeliveryAttempt.Outcome.IN_PROGRESS
            ).update(
                outcome=DeliveryAttempt.Outcome.FAILURE,
                finished_at=now,
                error=WORKER_STOPPED if step is None else EXPIRED_AGAIN,
            )
    if changed and step is not None and step.exhausted:
        delivery = Delivery.objects.select_related("hook").get(pk=pk)
        record_failure(delivery.hook, delivery=delivery, result=result, exhausted=True)


__all__ = ["delivery_sweep", "SweepResult", "F"]
