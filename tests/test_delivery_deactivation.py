"""Deactivation stops everything: retries, expired leases and redeliveries of a hook that
is not ACTIVE and VERIFIED are never sent, wait PENDING, and go out once it is again
(issue #10, item 3). Real receiver on 127.0.0.1; tasks run inline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from hooks.delivery.recovery import retry_delivery
from hooks.delivery.sweeper import delivery_sweep
from hooks.models import Delivery, DeliveryAttempt, EventHook
from tests.test_delivery import publish

pytestmark = pytest.mark.django_db(transaction=True)

NOT_DELIVERABLE = "is not active and verified"


def a_due_retry(receiver, settings) -> Delivery:
    """A delivery that failed twice and waits for its retry, made due now."""
    settings.HOOKS_RETRY_SCHEDULE = [0, 60, 60]
    receiver.set_behaviour(status=500)
    publish()
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert delivery.status == Delivery.Status.PENDING
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    receiver.set_behaviour(status=200)
    receiver.clear()
    return delivery


def make_undeliverable(api, hook_id: str, how: str) -> None:
    if how == "deactivated":
        assert api.post(f"/api/v1/eventHooks/{hook_id}/lifecycle/deactivate").status_code == 200
    elif how == "gone":  # as the 410 path does it
        from hooks.eventhooks.services import SYSTEM, hook_deactivate

        hook_deactivate(
            hook=EventHook.objects.get(pk=hook_id),
            actor=SYSTEM,
            reason="410",
            audit_type="event_hook.auto_deactivated",
        )
    else:
        EventHook.objects.filter(pk=hook_id).update(verification_status="UNVERIFIED")


def make_deliverable(api, hook_id: str, how: str) -> None:
    if how == "unverified":
        assert api.post(f"/api/v1/eventHooks/{hook_id}/lifecycle/verify").status_code == 200
    else:
        assert api.post(f"/api/v1/eventHooks/{hook_id}/lifecycle/activate").status_code == 200


@pytest.mark.parametrize("how", ["deactivated", "gone", "unverified"])
def test_a_due_retry_of_an_undeliverable_hook_waits_and_resumes(
    api,
    active_verified_hook,
    receiver,
    settings,
    how,
):
    delivery = a_due_retry(receiver, settings)
    make_undeliverable(api, active_verified_hook["id"], how)
    receiver.clear()
    delivery_sweep()
    # A retry task queued before the deactivation does nothing either.
    assert retry_delivery(delivery.pk) is False
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at is not None
    assert delivery.attempt_count == 2
    receiver.clear()
    # Activation and verification send the waiting retry at once (hooks.delivery.recovery)...
    make_deliverable(api, active_verified_hook["id"], how)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 1
    delivery_sweep()  # ...and the next sweep has nothing left to send
    assert len(receiver.requests) == 1


def test_an_expired_lease_of_a_deactivated_hook_waits_pending(
    api,
    active_verified_hook,
    receiver,
):
    delivery = Delivery.objects.create(
        hook_id=active_verified_hook["id"],
        status=Delivery.Status.SENDING,
        attempt_count=1,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        body="{}",
    )
    DeliveryAttempt.objects.create(delivery=delivery, number=1, started_at=timezone.now())
    make_undeliverable(api, active_verified_hook["id"], "deactivated")
    receiver.clear()
    delivery_sweep()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and receiver.requests == []


def test_a_queued_redelivery_is_not_sent_once_the_hook_is_deactivated(
    api,
    active_verified_hook,
    receiver,
    settings,
):
    settings.HOOKS_RETRY_SCHEDULE = [0]
    receiver.set_behaviour(status=500)
    publish()
    original = Delivery.objects.get(kind=Delivery.Kind.EVENTS, status=Delivery.Status.FAILED)
    copy = Delivery.objects.create(
        hook_id=active_verified_hook["id"],
        status=Delivery.Status.PENDING,
        body=original.body,
        next_attempt_at=timezone.now(),
        redelivery_of=original,
        event_count=1,
    )
    make_undeliverable(api, active_verified_hook["id"], "deactivated")
    receiver.clear()
    assert retry_delivery(copy.pk) is False
    assert receiver.requests == []


@pytest.fixture
def failed_delivery_of_inactive_hook(api, active_verified_hook, receiver, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0]
    receiver.set_behaviour(status=500)
    publish()
    failed = Delivery.objects.get(kind=Delivery.Kind.EVENTS, status=Delivery.Status.FAILED)
    make_undeliverable(api, active_verified_hook["id"], "deactivated")
    receiver.clear()
    return failed


def assert_nothing_queued(receiver) -> None:
    assert not Delivery.objects.filter(redelivery_of__isnull=False).exists()
    assert receiver.requests == []


def test_the_api_refuses_to_redeliver_for_an_inactive_hook(
    api, failed_delivery_of_inactive_hook, receiver
):
    failed = failed_delivery_of_inactive_hook
    base = f"/api/v1/eventHooks/{failed.hook_id}"
    for response in (
        api.post(f"{base}/deliveries/{failed.envelope_id}/redeliver"),
        api.post(f"{base}/redeliver", {"status": "FAILED"}, format="json"),
    ):
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["errorCode"] == "E0000001"
        assert NOT_DELIVERABLE in body["errorCauses"][0]["errorSummary"]
    assert_nothing_queued(receiver)


def test_the_console_refuses_to_redeliver_for_an_inactive_hook(
    admin_client, failed_delivery_of_inactive_hook, receiver
):
    failed = failed_delivery_of_inactive_hook
    one = admin_client.post(
        reverse("hooks:delivery-redeliver", args=[failed.hook_id, failed.pk]), follow=True
    )
    assert NOT_DELIVERABLE in one.content.decode()
    every = admin_client.post(
        reverse("hooks:deliveries-redeliver-failed", args=[failed.hook_id]), follow=True
    )
    assert NOT_DELIVERABLE in every.content.decode()
    assert_nothing_queued(receiver)


def test_the_redeliver_command_refuses_for_an_inactive_hook(
    failed_delivery_of_inactive_hook, receiver
):
    with pytest.raises(CommandError, match=NOT_DELIVERABLE):
        call_command("redeliver", failed_delivery_of_inactive_hook.hook_id)
    assert_nothing_queued(receiver)
