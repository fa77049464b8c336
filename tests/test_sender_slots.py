"""Sender slots: at most HOOKS_MAX_SENDERS_PER_HOOK tasks send one hook's outbox at a time.

Tasks run inline; the receiver is real. The concurrent holder is either a slot taken here
(standing for a task on another worker) or a publish made from inside the receiver while
a holder's request is in flight.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hooks.delivery import sender_slots
from hooks.delivery.recovery import retry_delivery
from hooks.delivery.sender import deliver_hook
from hooks.models import Delivery, EventHook, OutboxEntry, SenderSlot
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hook(api, hook_body, receiver, settings):
    settings.HOOKS_MAX_BATCH = 1
    settings.HOOKS_MAX_SENDERS_PER_HOOK = 1
    hook_body["channel"]["config"]["uri"] = receiver.url
    created = api.post("/api/v1/eventHooks", hook_body, format="json").json()
    assert api.post(f"/api/v1/eventHooks/{created['id']}/lifecycle/verify").status_code == 200
    return EventHook.objects.get(pk=created["id"])


def publish(tag: str, count: int = 1) -> list[str]:
    events = [{"eventType": "user.lifecycle.create", "uuid": f"{tag}-{i}"} for i in range(count)]
    return [e.uuid for e in event_publish(events=events).events]


def delivered(receiver) -> list[str]:
    return [event["uuid"] for event in receiver.events()]


def test_a_slot_is_held_by_one_task_at_a_time(hook):
    first = sender_slots.take(hook.pk)
    assert first is not None
    assert sender_slots.take(hook.pk) is None
    first.release()
    assert sender_slots.take(hook.pk) is not None


def test_the_limit_is_the_number_of_slots(hook, settings):
    settings.HOOKS_MAX_SENDERS_PER_HOOK = 2
    held = [sender_slots.take(hook.pk), sender_slots.take(hook.pk)]
    assert all(held) and {slot.number for slot in held} == {0, 1}
    assert sender_slots.take(hook.pk) is None


def test_slots_of_other_hooks_are_their_own(hook, api, hook_body, receiver):
    other = {**hook_body, "name": "another hook"}
    created = api.post("/api/v1/eventHooks", other, format="json").json()
    assert sender_slots.take(hook.pk) is not None
    assert sender_slots.take(created["id"]) is not None


def test_a_dead_holders_slot_is_free_once_its_lease_ran_out(hook, settings, monkeypatch):
    dead = sender_slots.take(hook.pk)
    real_now = timezone.now
    later = timedelta(seconds=settings.HOOKS_LEASE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: real_now() + later)
    taker = sender_slots.take(hook.pk)
    assert taker is not None
    dead.release()  # the old holder's late release must not free the new holder's slot
    assert SenderSlot.objects.get(hook=hook).holder == taker.holder
    assert sender_slots.take(hook.pk) is None


def test_a_holder_keeps_its_slot_by_renewing_the_lease(hook, settings, monkeypatch):
    slot = sender_slots.take(hook.pk)
    before = SenderSlot.objects.get(hook=hook).expires_at
    slot.renewed -= settings.HOOKS_LEASE_SECONDS  # a quarter of the lease has long gone
    slot.keep()
    assert SenderSlot.objects.get(hook=hook).expires_at > before


def test_a_task_turned_away_leaves_the_events_to_the_holder(hook, receiver):
    other_worker = sender_slots.take(hook.pk)
    publish("a", 3)  # their task runs inline and finds the slot taken
    assert delivered(receiver) == []
    assert OutboxEntry.objects.filter(delivery__isnull=True).count() == 3
    other_worker.release()
    assert deliver_hook(hook.pk) == 3  # what the holder does after its release
    assert SenderSlot.objects.count() == 0


def test_events_published_while_the_holder_sends_are_not_left_behind(hook, receiver):
    """The lost wakeup: a task turned away while the holder sends its last claim must not
    leave its events to the sweeper; the holder looks again after releasing."""
    published_meanwhile: list[str] = []

    def publish_once(request) -> None:
        if request.method == "POST" and not published_meanwhile:
            published_meanwhile.extend(publish("meanwhile", 2))  # refused: the slot is held
            connection.close()  # this thread's own connection

    receiver.on_event = publish_once
    first = publish("first")  # delivered inline; during its request two more are published
    assert published_meanwhile
    assert delivered(receiver) == first + published_meanwhile
    assert not OutboxEntry.objects.filter(delivery__isnull=True).exists()
    assert SenderSlot.objects.count() == 0


def test_a_failing_hooks_retries_wait_while_its_slots_are_taken(hook, receiver, api):
    """Redeliveries (or retries) of a hook already failing: each would hold a worker for
    the timeout, so they take a sender slot too; one turned away stays due, for the probe
    or the holder's success (which resumes every waiting retry)."""
    receiver.set_behaviour(status=503)
    publish("a")
    hook.refresh_from_db()
    assert hook.failing_since is not None
    first = Delivery.objects.get(kind="EVENTS")
    other_worker = sender_slots.take(hook.pk)  # e.g. another redelivery being sent
    before = len(receiver.requests)
    response = api.post(f"/api/v1/eventHooks/{hook.id}/deliveries/{first.envelope_id}/redeliver")
    assert response.status_code in (200, 202)
    assert len(receiver.requests) == before  # turned away: no request
    copy = Delivery.objects.exclude(pk=first.pk).get(kind="EVENTS")
    assert copy.status == Delivery.Status.PENDING
    other_worker.release()
    assert retry_delivery(copy.pk) is False  # a free slot: sent (and failed) this time
    assert len(receiver.requests) == before + 2  # its first try and Okta's immediate retry
