"""A failing hook: probed about once a minute, resumed at once when it answers again.

While a hook is failing (its last attempt failed) and has a delivery waiting to be tried
again, its new events wait in the outbox (hooks.delivery) and only a probe calls the
endpoint: its oldest PENDING delivery, started by the sweeper's run every minute once
HOOKS_PROBE_INTERVAL has passed since that delivery's last try, or once its scheduled
retry is due, whichever comes first, but never within the outage's first interval. A
dead endpoint so costs Okta's two requests (the first try and its immediate retry), then
one a minute however long the outage, and an endpoint that came back hears from us
within about a minute, not at the schedule's next step (3 hours away after 90 minutes
of outage, 10 after 4.5 hours). Probes are recorded attempts; giving up stays a matter of the
schedule's total time (hooks.delivery.retry_policy), auto-disable of HOOKS_AUTO_DISABLE_AFTER
(hooks.delivery.hook_health).

A probe that succeeds resumes the hook in the same task: every other PENDING retry
becomes due and is sent, oldest first, then the outbox is claimed and sent. Activation,
a successful verification and "Send now" start the same resumption (send_backlog_now).
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hooks.delivery import sender_slots
from hooks.delivery.dispatch import enqueue, enqueue_hook_deliveries
from hooks.delivery.sender import claim_due, deliver_hook, send_delivery
from hooks.models import Delivery, DeliveryAttempt, EventHook

RESUME_TASK = "hooks.tasks.resume_hook"
# The sweeper runs about every minute, never exactly: a probe counts as due this much
# before a full interval has passed, or a probe made 59.9 s before a sweep would wait
# for the next one and the probes would drift to one every two minutes.
PROBE_SLACK = timedelta(seconds=10)


def _pending(hook_id: str):
    return Delivery.objects.filter(
        hook_id=hook_id, kind=Delivery.Kind.EVENTS, status=Delivery.Status.PENDING
    )


def probe_failing_hooks(now) -> int:
    """The sweeper's part: start a probe of each failing, deliverable hook whose oldest
    PENDING delivery was last tried an interval ago (or is due); return how many."""
    interval = timedelta(seconds=settings.HOOKS_PROBE_INTERVAL)
    failing = EventHook.objects.filter(
        status=EventHook.Status.ACTIVE,
        verification_status=EventHook.Verification.VERIFIED,
        failing_since__isnull=False,
    ).values_list("pk", "failing_since")
    probed = 0
    for hook_id, failing_since in failing:
        if now - failing_since < _first_probe_after(interval):
            continue
        oldest = _pending(hook_id).order_by("id").values("pk", "next_attempt_at").first()
        if oldest is None or _in_flight(hook_id, now):
            continue
        last_try = DeliveryAttempt.objects.filter(delivery_id=oldest["pk"]).aggregate(
            at=Max("started_at")
        )["at"]
        due = oldest["next_attempt_at"] is not None and oldest["next_attempt_at"] <= now
        if not due and last_try is not None and last_try > now - interval + PROBE_SLACK:
            continue
        with transaction.atomic():
            taken = _pending(hook_id).filter(pk=oldest["pk"]).update(next_attempt_at=now)
            # The hook's other retries wait behind the probe (the sweeper sends none of a
            # failing hook's retries itself): not "overdue" while they do.
            _pending(hook_id).exclude(pk=oldest["pk"]).filter(
                next_attempt_at__lt=now + interval
            ).update(next_attempt_at=now + interval)
        if taken:
            enqueue(RESUME_TASK, hook_id, group="retry")
            probed += 1
    return probed


def _first_probe_after(interval: timedelta) -> timedelta:
    """How long after its outage began (failing_since: the first try and Okta's immediate
    retry both failed) a hook is first probed: a full interval, or the schedule's first
    step when shorter (tests). Neither PROBE_SLACK, which keeps later probes in step with
    the sweeps that made them, nor the step's jitter may bring it earlier: a dead
    endpoint's first minute costs those two requests, never a third."""
    steps = [step for step in settings.HOOKS_RETRY_SCHEDULE if step > 0]
    return min(interval, timedelta(seconds=steps[0])) if steps else interval


def _in_flight(hook_id: str, now) -> bool:
    """True while one of the hook's deliveries is being sent (a probe already under way)."""
    return Delivery.objects.filter(
        hook_id=hook_id,
        kind=Delivery.Kind.EVENTS,
        status=Delivery.Status.SENDING,
        lease_expires_at__gte=now,
    ).exists()


def make_pending_due(hook_id: str) -> int:
    """Make every PENDING retry of the hook due now; return how many."""
    return _pending(hook_id).update(next_attempt_at=timezone.now())


def send_backlog_now(hook_id: str) -> int:
    """Make every PENDING retry of the hook due and start sending them, oldest first, then
    the outbox, once the current transaction commits; return how many retries."""
    queued = make_pending_due(hook_id)
    transaction.on_commit(lambda: enqueue(RESUME_TASK, hook_id, group="retry"))
    return queued


def resume_hook(hook_id: str, *, recovered: bool = False) -> int:
    """Send the hook's due retries oldest first, stopping at the first failure, then
    deliver its outbox; return how many deliveries went out.

    Once one of them succeeds where the hook was failing (a probe that got through), or
    from the start when `recovered`, every PENDING retry of the hook is due: the backlog
    goes out at full speed, in order.
    """
    if recovered:
        make_pending_due(hook_id)
    sent = 0
    # A long backlog of retries is sent in turns, like a claim: within the task timeout,
    # and after other hooks' tasks.
    deadline = time.monotonic() + settings.HOOKS_LEASE_SECONDS / 2
    while True:
        if time.monotonic() > deadline:
            enqueue(RESUME_TASK, hook_id, group="retry")
            return sent
        oldest = (
            _pending(hook_id)
            .filter(next_attempt_at__lte=timezone.now())
            .order_by("id")
            .values_list("pk", flat=True)
            .first()
        )
        if oldest is None:
            break
        delivery = claim_due(oldest)
        if delivery is None:
            hook = EventHook.objects.filter(pk=hook_id).first()
            if hook is None or not hook.is_deliverable:
                return sent  # they wait, still due, for the hook's reactivation
            continue  # another worker took that one: on to the next
        was_failing = delivery.hook.failing_since is not None
        if not send_delivery(delivery, hook=delivery.hook):
            return sent  # still down: the rest waits for the next probe
        sent += 1
        if was_failing:
            make_pending_due(hook_id)
    return sent + deliver_hook(hook_id)


def retry_delivery(delivery_id: int) -> bool:
    """Send a PENDING delivery whose retry is due and whose hook is ACTIVE and VERIFIED
    (the `hooks.tasks.retry_delivery` task: retries, probes and redeliveries).

    While the hook is failing each of these holds a worker for as long as the endpoint
    takes to fail (the timeout, twice for a redelivery's first try): then it needs one of
    the hook's sender slots (hooks.delivery.sender_slots), as a task sending the outbox
    does. Turned away, the delivery stays due, for the probe or for the success of the
    one sent (which resumes every waiting retry of the hook).
    """
    slot = None
    found = Delivery.objects.filter(pk=delivery_id).values_list("hook_id", "hook__failing_since")
    if not found:
        return False
    ((hook_id, failing_since),) = found
    if failing_since is not None:
        slot = sender_slots.take(hook_id)
        if slot is None:
            return False
    try:
        delivery = claim_due(delivery_id)
        if delivery is None:
            return False
        was_failing = delivery.hook.failing_since is not None
        succeeded = send_delivery(delivery, hook=delivery.hook)
    finally:
        if slot is not None:
            slot.release()  # before the rest: deliver_hook takes a slot of its own
    if succeeded and was_failing:
        # The hook recovered (e.g. through a redelivery): its whole backlog goes now.
        resume_hook(delivery.hook_id, recovered=True)
    elif succeeded:
        enqueue_hook_deliveries([delivery.hook_id])
    return succeeded
