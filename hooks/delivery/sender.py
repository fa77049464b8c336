"""The delivery engine: claim queued matches into envelopes, send, record, retry.

At least once: an attempt row is written before each request and completed
after it; a SENDING delivery carries a lease, and the sweeper re-queues any
whose lease ran out (its worker died). Claims are compare-and-set updates, so
duplicate tasks are harmless.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hooks.delivery import claims, outcomes, sender_slots, stored_response
from hooks.delivery.dispatch import enqueue_hook_deliveries
from hooks.delivery.hook_health import record_failure, record_success
from hooks.lib import sql as prepared_sql
from hooks.lib import stopping
from hooks.models import Delivery, DeliveryAttempt, EventHook
from hooks.outbound import transport
from hooks.outbound.endpoint import Endpoint

# While a task sends, the hook is read again at most this often: a deactivation stops the
# sending, and a rotated secret or a new URI takes effect, within about this long.
STATE_CHECK_SECONDS = 0.5


def _hook_is_backing_off(hook: EventHook) -> bool:
    """True while a failing hook has a delivery waiting to be tried again or being tried
    (a probe in flight): new events then wait in the outbox, and only the sweeper's probe
    (hooks.delivery.recovery) calls the endpoint, so a dead endpoint costs about one request a
    minute, not one per batch, and holds no other worker. Whether that retry is due does
    not matter: a due one is the probe's to send."""
    return (
        hook.failing_since is not None
        and Delivery.objects.filter(
            hook=hook,
            kind=Delivery.Kind.EVENTS,
            status__in=(Delivery.Status.PENDING, Delivery.Status.SENDING),
        ).exists()
    )


class _CurrentHook:
    """A task's view of its hook and endpoint, read again at most every STATE_CHECK_SECONDS:
    one mechanism for "stop once deactivated" and "follow a rotated secret or new URI"."""

    def __init__(self, hook: EventHook):
        self.endpoint, self.read_at = Endpoint.of(hook), time.monotonic()

    @property
    def hook(self) -> EventHook:
        return self.endpoint.hook

    def still_deliverable(self) -> bool:
        """Re-read the hook when the last read is stale; False once it is gone or no
        longer ACTIVE and VERIFIED."""
        if time.monotonic() - self.read_at < STATE_CHECK_SECONDS:
            return True
        hook = prepared_sql.get_by_pk(EventHook, self.hook.pk)
        if hook is None or not hook.is_deliverable:
            return False
        self.endpoint, self.read_at = Endpoint.of(hook), time.monotonic()
        return True


def deliver_hook(hook_id: str) -> int:
    """Deliver everything queued for one hook, claim after claim; return deliveries sent.

    Only while holding one of the hook's sender slots (hooks.delivery.sender_slots): a
    task finding them all taken returns at once, its events are the holders'. A holder
    that is done releases its slot and looks once more for events, which a task turned
    away meanwhile left to it. After half a lease of sending, the rest is left to a new
    task, which queues behind other hooks' tasks.

    Stops at the first failed delivery: its retry is scheduled, the rest of its claim
    goes back to the outbox and waits there, so one failing endpoint never keeps a
    worker busy for long. Also stops once its worker cluster is stopping
    (hooks.lib.stopping): what is left waits for the next start.
    """
    sent = empty_runs = 0
    deadline = time.monotonic() + settings.HOOKS_LEASE_SECONDS / 2
    while True:
        hook = prepared_sql.get_by_pk(EventHook, hook_id)  # a prepared read: no ORM compile
        if hook is None or not hook.is_deliverable or _hook_is_backing_off(hook):
            return sent
        if stopping.stop_asked():
            # A task for the next start (the broker keeps it; the sweeper would too).
            enqueue_hook_deliveries([hook.pk])
            return sent
        slot = sender_slots.take(hook.pk)
        if slot is None:
            return sent
        try:
            run = _send_outbox(hook, slot, deadline)
        finally:
            slot.release()
        sent += run.sent
        empty_runs = 0 if run.sent else empty_runs + 1
        # Several empty runs in a row while events wait: another holder's claim has them
        # (locked, or claimed first); it looks again after its own release.
        if run.failed or empty_runs > 2 or not sender_slots.events_waiting(hook.pk):
            return sent
        if time.monotonic() > deadline:
            # Enqueued only now the slot is free: the new task must be able to take it.
            enqueue_hook_deliveries([hook.pk])
            return sent


@dataclass(frozen=True)
class OutboxRun:
    """What one holding of a sender slot came to."""

    sent: int
    failed: bool  # a delivery failed: the task stops, the rest waits for its retry


def _send_outbox(hook: EventHook, slot: sender_slots.Slot, deadline: float) -> OutboxRun:
    """Claim and send the hook's outbox until it runs dry, a delivery fails, the hook is
    no longer ACTIVE and VERIFIED, or the task's time is up."""
    current = _CurrentHook(hook)
    sent = 0
    while (
        current.still_deliverable() and time.monotonic() <= deadline and not stopping.stop_asked()
    ):
        slot.keep()
        # The claim itself also takes nothing once the hook is deactivated or unverified.
        claim = claims.claim_deliveries(
            current.endpoint, deliveries=settings.HOOKS_CLAIM_DELIVERIES
        )
        if not claim.deliveries:
            break
        turn = _send_claimed(claim.deliveries, current)
        sent += turn.sent
        if not turn.go_on:
            return OutboxRun(sent, failed=turn.failed)
        if not (claim.more_waiting or turn.gave_back):
            break  # events committed since: deliver_hook looks for them after releasing
    return OutboxRun(sent, failed=False)


@dataclass(frozen=True)
class ClaimSent:
    """What sending one claim came to."""

    sent: int  # deliveries sent, a failed one included
    go_on: bool  # every one succeeded and the task may claim again
    gave_back: bool  # unsent deliveries went back to the outbox
    failed: bool = False  # a delivery failed, its immediate retry too


def _send_claimed(group: list[claims.Claimed], current: _CurrentHook) -> ClaimSent:
    """Send a claim's deliveries in order. Successes are recorded together, in one
    transaction after the last.

    A failure ends the claim: what was sent is recorded, the rest is released back to
    the outbox, and the failed delivery takes the usual path (Okta's immediate retry,
    then the schedule); if the immediate retry succeeds the task goes on. A claim also
    ends early once its hook is no longer ACTIVE and VERIFIED, and when still sending
    after half its lease (a slow endpoint: the rest gets another turn, after other
    hooks' tasks) or once the cluster is stopping (another turn after the next start).
    """
    deadline = time.monotonic() + settings.HOOKS_LEASE_SECONDS / 2
    done: list[outcomes.Sent] = []
    for index, item in enumerate(group):
        if stopping.stop_asked() or (
            index and (not current.still_deliverable() or time.monotonic() > deadline)
        ):
            return _end_early(done, group[index:], current.hook)
        endpoint = current.endpoint
        result = send(url=endpoint.url, body=item.body, headers=item.headers)
        if not result.ok:
            outcomes.record_successes(done)
            unsent = group[index + 1 :]
            claims.release(unsent)
            # Okta's immediate retry may succeed: then the hook goes on with what was given back.
            succeeded = send_delivery(
                item.delivery, hook=endpoint.hook, endpoint=endpoint, sent=(item.attempt, result)
            )
            return ClaimSent(
                sent=index + 1, go_on=succeeded, gave_back=bool(unsent), failed=not succeeded
            )
        done.append(outcomes.Sent(item, result))
    outcomes.record_successes(done)
    record_success(current.hook)
    return ClaimSent(sent=len(group), go_on=True, gave_back=False)


def _end_early(
    done: list[outcomes.Sent], unsent: list[claims.Claimed], hook: EventHook
) -> ClaimSent:
    """Record what a claim sent and give the rest back to the outbox (deliver_hook decides
    whether it gets another turn: the hook may have been deactivated)."""
    outcomes.record_successes(done)
    claims.release(unsent)
    if done:
        record_success(hook)
    return ClaimSent(sent=len(done), go_on=False, gave_back=True)


def claim_due(delivery_id: int) -> Delivery | None:
    """Take a PENDING delivery whose retry is due and whose hook is ACTIVE and VERIFIED
    (compare-and-set: SENDING with a lease); None when another worker took it first."""
    # Only while the hook is ACTIVE and VERIFIED: a deactivated or unverified hook's retries
    # and redeliveries wait PENDING (still due) until it is again; the sweeper then sends them.
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=timezone.now(),
        hook__status=EventHook.Status.ACTIVE,
        hook__verification_status=EventHook.Verification.VERIFIED,
    ).update(status=Delivery.Status.SENDING, lease_expires_at=claims.lease(), next_attempt_at=None)
    if not claimed:
        return None
    return Delivery.objects.select_related("hook").get(pk=delivery_id)


def send_delivery(
    delivery: Delivery,
    *,
    hook: EventHook,
    endpoint: Endpoint | None = None,
    sent: tuple[DeliveryAttempt, transport.DeliveryResult] | None = None,
) -> bool:
    """Attempt a SENDING delivery (with Okta's immediate first retry); return success.

    `sent` is an attempt already made (its started row, result) still to be recorded.
    Each attempt row is written before its request and completed after it
    (hooks.delivery.outcomes), with the delivery's next state.
    """
    endpoint = endpoint or Endpoint.of(hook)
    while True:
        row, result = sent if sent is not None else _new_attempt(delivery, endpoint)
        sent = None
        step = outcomes.next_step(
            delivery.pk,
            kind=delivery.kind,
            attempts_made=delivery.attempt_count,
            result=result,
            now=timezone.now(),
            latest=row,
        )
        outcomes.record_attempt(delivery, row, result, step)
        if step.succeeded:
            if delivery.kind == Delivery.Kind.EVENTS:
                record_success(hook)
            return True
        if step.retry_at_once:
            continue  # Okta's single immediate retry
        record_failure(
            hook, delivery=delivery, result=result, exhausted=step.exhausted, gone=step.gone
        )
        return False


def send(*, url: str, body: bytes, headers: dict[str, str]) -> transport.DeliveryResult:
    """transport.send(), its answer made safe to store, log and audit: a receiver's NUL
    byte or megabytes of headers must never reach the database (hooks.delivery.stored_response)."""
    return stored_response.stored_result(transport.send(url=url, body=body, headers=headers))


def _new_attempt(
    delivery: Delivery, endpoint: Endpoint
) -> tuple[DeliveryAttempt, transport.DeliveryResult]:
    """Write a started attempt row (and the delivery's count and lease), then send."""
    body = delivery.body.encode()
    headers = endpoint.request_headers(delivery, body)
    delivery.attempt_count += 1
    row = DeliveryAttempt(
        delivery=delivery,
        number=delivery.attempt_count,
        started_at=timezone.now(),
        request_headers=endpoint.stored_headers(headers),
    )
    values = [prepared_sql.insert_values(row)]
    count = prepared_sql.update(
        Delivery, delivery.pk, attempt_count=delivery.attempt_count, lease_expires_at=claims.lease()
    )
    with transaction.atomic():  # prepared first: the write lock is held for two statements
        prepared_sql.insert_many([row], values, key="delivery")
        prepared_sql.execute(count)
    return row, send(url=endpoint.url, body=body, headers=headers)
