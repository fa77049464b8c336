"""The sweeper's lease branch, unit-level: rows written directly, nothing sent (the retry
task the sweeper would enqueue is recorded, not run)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hooks.delivery import sweeper
from hooks.delivery.sweeper import EXPIRED_AGAIN, WORKER_STOPPED, delivery_sweep
from hooks.models import Delivery, DeliveryAttempt, Event

pytestmark = pytest.mark.django_db

Status, Outcome = Delivery.Status, DeliveryAttempt.Outcome


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    """The tasks the sweep asks for, instead of running them."""
    calls: list[tuple] = []
    monkeypatch.setattr(sweeper, "enqueue", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(sweeper, "enqueue_hook_deliveries", lambda hook_ids: None)
    return calls


@pytest.fixture(autouse=True)
def schedule(settings):
    settings.HOOKS_RETRY_SCHEDULE = [0, 60]


def sending(
    hook,
    *,
    lease_in: float,
    attempts: int = 1,
    earlier: tuple[str, ...] = (),
    kind: str = Delivery.Kind.EVENTS,
    first_try_ago: float = 0,
) -> Delivery:
    """A SENDING delivery whose lease ends `lease_in` seconds from now, with `attempts`
    attempts, all started `first_try_ago` seconds ago: the earlier ones FAILURE with the
    errors in `earlier`, the last IN_PROGRESS."""
    now = timezone.now() - timedelta(seconds=first_try_ago)
    delivery = Delivery.objects.create(
        hook=hook,
        kind=kind,
        status=Status.SENDING,
        attempt_count=attempts,
        lease_expires_at=timezone.now() + timedelta(seconds=lease_in),
    )
    errors = list(earlier) + [""] * (attempts - len(earlier))
    for number, error in enumerate(errors, start=1):
        last = number == attempts
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=now,
            outcome=Outcome.IN_PROGRESS if last else Outcome.FAILURE,
            error=error,
        )
    return delivery


def last_attempt(delivery: Delivery) -> DeliveryAttempt:
    return delivery.attempts.order_by("-number").first()


def test_an_expired_lease_is_requeued_at_once_the_first_time(verified_hook, enqueued):
    delivery = sending(verified_hook, lease_in=-1)
    result = delivery_sweep()
    delivery.refresh_from_db()
    assert result.expired_leases == 1
    assert delivery.status == Status.PENDING
    assert delivery.lease_expires_at is None
    assert delivery.next_attempt_at <= timezone.now()
    assert delivery.attempt_count == 1  # the stopped attempt is not counted again
    assert delivery.last_error == ""
    attempt = last_attempt(delivery)
    assert (attempt.outcome, attempt.error) == (Outcome.FAILURE, WORKER_STOPPED)
    assert attempt.finished_at is not None
    # due now, so the same sweep hands it to a worker
    assert enqueued == [("hooks.tasks.retry_delivery", delivery.pk)]


def test_an_expired_lease_the_second_time_is_a_failed_attempt_on_the_schedule(
    verified_hook, enqueued
):
    delivery = sending(verified_hook, lease_in=-1, attempts=2, earlier=(WORKER_STOPPED,))
    before = timezone.now()
    delivery_sweep()
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING
    assert delivery.last_error == EXPIRED_AGAIN
    # the schedule's second step (60 s +/-20 %), not at once
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 48 - 1 <= wait <= 72 + 1
    attempt = last_attempt(delivery)
    assert (attempt.outcome, attempt.error) == (Outcome.FAILURE, EXPIRED_AGAIN)
    assert enqueued == []  # not due yet


def test_an_expired_lease_again_with_the_schedule_exhausted_fails_the_delivery(
    verified_hook, enqueued
):
    # Giving up takes the schedule's steps and its total time (60 s) since the first try.
    delivery = sending(
        verified_hook,
        lease_in=-1,
        attempts=3,
        first_try_ago=61,
        earlier=(WORKER_STOPPED, EXPIRED_AGAIN),
    )
    delivery_sweep()
    delivery.refresh_from_db()
    verified_hook.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.completed_at is not None and delivery.next_attempt_at is None
    assert delivery.last_error == EXPIRED_AGAIN and delivery.last_status_code is None
    assert last_attempt(delivery).error == EXPIRED_AGAIN
    assert verified_hook.consecutive_failures == 1  # recorded as the hook's failure
    [audited] = Event.objects.filter(event_type="event_hook.delivery")
    assert EXPIRED_AGAIN in audited.data["outcome"]["reason"]
    assert enqueued == []


def test_an_earlier_ordinary_failure_does_not_make_an_expiry_the_second(verified_hook, enqueued):
    delivery = sending(verified_hook, lease_in=-1, attempts=2, earlier=("HTTP 503",))
    delivery_sweep()
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING and delivery.last_error == ""
    assert last_attempt(delivery).error == WORKER_STOPPED


def test_an_unexpired_lease_is_untouched(verified_hook, enqueued):
    delivery = sending(verified_hook, lease_in=30, attempts=2, earlier=(WORKER_STOPPED,))
    before = Delivery.objects.values().get(pk=delivery.pk)
    result = delivery_sweep()
    assert result.expired_leases == 0
    assert Delivery.objects.values().get(pk=delivery.pk) == before
    assert last_attempt(delivery).outcome == Outcome.IN_PROGRESS
    assert enqueued == []


@pytest.mark.parametrize("kind", [Delivery.Kind.VERIFICATION, Delivery.Kind.PREVIEW])
def test_an_expired_lease_of_a_verification_or_preview_fails_it(verified_hook, enqueued, kind):
    delivery = sending(verified_hook, lease_in=-1, kind=kind)
    delivery_sweep()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.last_error == "The worker stopped before finishing."
    assert enqueued == []
