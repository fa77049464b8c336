"""Retention: manage.py purge, the daily schedule, and what a purge must never touch."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule, Task

from hooks import tasks
from hooks.models import Delivery, DeliveryAttempt, Event, EventHook, Heartbeat, OutboxEntry
from hooks.ops import retention
from hooks.ops.retention import Cutoffs, purge

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def hook() -> EventHook:
    return EventHook.objects.create(
        name="Retention",
        uri="https://example.com/hook",
        event_types=["user.lifecycle.create"],
        status="ACTIVE",
        verification_status="VERIFIED",
    )


def make_event(age: timedelta, uuid: str) -> Event:
    event = Event.objects.create(
        uuid=uuid,
        published=timezone.now() - age,
        event_type="user.lifecycle.create",
        data={"uuid": uuid},
    )
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - age)
    return event


def make_delivery(
    hook,
    age: timedelta,
    status: str = "SUCCEEDED",
    *,
    attempts: int = 1,
    events: list[Event] = (),
    **fields,
) -> Delivery:
    delivery = Delivery.objects.create(
        hook=hook, status=status, body="{}", event_count=len(events), **fields
    )
    moment = timezone.now() - age
    Delivery.objects.filter(pk=delivery.pk).update(created_at=moment)
    for number in range(1, attempts + 1):
        DeliveryAttempt.objects.create(
            delivery=delivery, number=number, started_at=moment, outcome="SUCCESS", duration_ms=5.0
        )
    for event in events:
        OutboxEntry.objects.create(hook=hook, event=event, delivery=delivery)
    return delivery


def run(*args) -> str:
    out = StringIO()
    call_command("purge", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_old_finished_deliveries_go_with_their_attempts_and_matches(hook):
    old_event = make_event(40 * DAY, "old")
    done = make_delivery(hook, 40 * DAY, "SUCCEEDED", attempts=2, events=[old_event])
    failed = make_delivery(hook, 40 * DAY, "FAILED", attempts=4)
    recent = make_delivery(hook, 2 * DAY, "SUCCEEDED")
    result = purge(Cutoffs.from_ages(deliveries=30 * 86400, events=90 * 86400))
    assert set(Delivery.objects.values_list("pk", flat=True)) == {recent.pk}
    assert not DeliveryAttempt.objects.filter(delivery_id__in=[done.pk, failed.pk]).exists()
    assert result.deleted["deliveries"] == 2 and result.deleted["attempts"] == 6
    # The claimed match went with its delivery: it did not become an unclaimed outbox row.
    assert not OutboxEntry.objects.exists()
    assert Event.objects.filter(pk=old_event.pk).exists()  # events have their own retention
    assert result.complete and result.batches >= 1 and result.longest_transaction > 0


def test_work_in_flight_is_never_purged(hook):
    waiting_event = make_event(200 * DAY, "waiting")
    sending_event = make_event(200 * DAY, "sending")
    OutboxEntry.objects.create(hook=hook, event=waiting_event)  # unclaimed outbox row
    pending = make_delivery(hook, 200 * DAY, "PENDING", next_attempt_at=timezone.now())
    sending = make_delivery(hook, 200 * DAY, "SENDING", events=[sending_event])
    gone = make_event(200 * DAY, "gone")
    purge(Cutoffs.from_ages(events=0, deliveries=0, attempts=0))
    assert set(Delivery.objects.values_list("pk", flat=True)) == {pending.pk, sending.pk}
    assert pending.attempts.count() == 1 and sending.attempts.count() == 1
    assert OutboxEntry.objects.filter(delivery__isnull=True, event=waiting_event).exists()
    assert set(Event.objects.values_list("uuid", flat=True)) == {"waiting", "sending"}
    assert not Event.objects.filter(pk=gone.pk).exists()


def test_events_of_finished_deliveries_go_and_take_their_matches(hook):
    events = [make_event(100 * DAY, f"e{i}") for i in range(5)]
    delivery = make_delivery(hook, 1 * DAY, "SUCCEEDED", events=events)
    fresh = make_event(1 * DAY, "fresh")
    result = purge(Cutoffs.from_ages())  # settings: events 90 d, deliveries 30 d
    assert list(Event.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert result.deleted["events"] == 5 and result.deleted["matches"] == 5
    delivery.refresh_from_db()  # the delivery keeps its exact body
    assert delivery.body == "{}"


def test_attempts_can_go_before_their_deliveries(hook, settings):
    settings.HOOKS_RETENTION_ATTEMPTS = 7 * 86400
    old = make_delivery(hook, 10 * DAY, "FAILED", attempts=3)
    young = make_delivery(hook, 3 * DAY, "FAILED", attempts=3)
    pending = make_delivery(hook, 10 * DAY, "PENDING", attempts=2)
    result = purge(Cutoffs.from_ages())
    assert result.deleted == {"attempts": 3, "heartbeats": 0}
    assert old.attempts.count() == 0 and young.attempts.count() == 3
    assert pending.attempts.count() == 2
    assert Delivery.objects.count() == 3


def test_attempts_never_outlive_their_deliveries(settings):
    settings.HOOKS_RETENTION_ATTEMPTS = 365 * 86400
    cutoffs = Cutoffs.from_ages(deliveries=30 * 86400)
    assert cutoffs.attempts == cutoffs.deliveries


def test_small_batches_give_the_same_result_in_more_transactions(hook):
    for index in range(23):
        make_delivery(hook, 40 * DAY, "SUCCEEDED" if index % 3 else "FAILED")
    keep = make_delivery(hook, 40 * DAY, "PENDING")
    result = purge(Cutoffs.from_ages(), batch_size=4)
    assert result.deleted["deliveries"] == 23 and result.batches >= 6
    assert list(Delivery.objects.values_list("pk", flat=True)) == [keep.pk]


def test_a_redelivery_outlives_its_original(hook):
    original = make_delivery(hook, 40 * DAY, "FAILED")
    copy = make_delivery(hook, 1 * DAY, "SUCCEEDED", redelivery_of=original)
    purge(Cutoffs.from_ages())
    copy.refresh_from_db()
    assert copy.redelivery_of is None
    assert not Delivery.objects.filter(pk=original.pk).exists()


def test_dry_run_counts_and_deletes_nothing(hook):
    make_delivery(hook, 40 * DAY, "SUCCEEDED", attempts=2, events=[make_event(100 * DAY, "x")])
    make_event(100 * DAY, "y")
    dry = purge(Cutoffs.from_ages(), dry_run=True)
    assert dry.dry_run and dry.batches == 0
    assert (Delivery.objects.count(), DeliveryAttempt.objects.count(), Event.objects.count()) == (
        1,
        2,
        2,
    )
    real = purge(Cutoffs.from_ages())
    for name in ("deliveries", "attempts", "matches", "events"):
        assert dry.deleted[name] == real.deleted[name]
    assert real.deleted["events"] == 2  # a finished delivery's match does not keep its event


def test_a_time_budget_stops_between_transactions(hook):
    for _ in range(10):
        make_delivery(hook, 40 * DAY)
    result = purge(Cutoffs.from_ages(), batch_size=1, max_seconds=1e-9)
    assert not result.complete
    assert "time budget" in str(result)
    assert Delivery.objects.count() == 10


def test_old_task_failures_and_heartbeats_go():
    Task.objects.create(
        id="a" * 32,
        name="old",
        func="hooks.tasks.sweep",
        started=timezone.now() - 40 * DAY,
        stopped=timezone.now() - 40 * DAY,
        success=False,
    )
    Task.objects.create(
        id="b" * 32,
        name="new",
        func="hooks.tasks.sweep",
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
    )
    Heartbeat.objects.create(name="worker@gone", seen_at=timezone.now() - 8 * DAY)
    Heartbeat.objects.create(name="worker@here", seen_at=timezone.now())
    result = purge(Cutoffs.from_ages())
    assert list(Task.objects.values_list("name", flat=True)) == ["new"]
    assert list(Heartbeat.objects.values_list("name", flat=True)) == ["worker@here"]
    assert result.deleted["tasks"] == 1 and result.deleted["heartbeats"] == 1


def test_the_last_pk_before_a_cutoff_is_found_across_gaps(hook):
    rows = [make_delivery(hook, timedelta(days=100 - day)) for day in range(30)]
    Delivery.objects.filter(pk__in=[r.pk for r in rows[5:12]]).delete()  # a gap in the ids
    cutoff = timezone.now() - timedelta(days=100 - 20) + timedelta(hours=1)
    assert retention._last_pk_before(Delivery, cutoff) == rows[20].pk
    assert retention._last_pk_before(Delivery, timezone.now() - 1000 * DAY) is None
    assert retention._last_pk_before(Delivery, timezone.now()) == rows[-1].pk


def test_the_command_prints_cutoffs_counts_and_the_longest_transaction(hook):
    for _ in range(3):
        make_delivery(hook, 40 * DAY, attempts=2)
    output = run("--older-than", "30d", "--batch-size", "2")
    assert "deliveries  created before" in output
    assert "Deleted          3 deliveries" in output
    assert "Deleted          6 attempts" in output
    assert "the longest took" in output
    assert Delivery.objects.count() == 0


def test_the_command_dry_run_and_per_kind_ages(hook):
    make_delivery(hook, 10 * DAY)
    output = run("--deliveries-older-than", "7d", "--dry-run")
    assert "Would delete          1 deliveries" in output
    assert Delivery.objects.count() == 1
    output = run("--older-than", "30d", "--deliveries-older-than", "0")
    assert "Deleted          1 deliveries" in output


@pytest.mark.parametrize("args", [("--older-than", "soon"), ("--batch-size", "0")])
def test_the_command_refuses_bad_options(args):
    with pytest.raises(CommandError):
        run(*args)


def test_the_daily_schedule_exists_and_runs_the_purge_task(hook):
    schedule = Schedule.objects.get(name="hooks-purge")
    assert schedule.func == "hooks.tasks.purge"
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    assert (schedule.next_run.hour, schedule.next_run.minute) == (3, 30)
    assert f"'timeout': {retention.PURGE_TASK_TIMEOUT}" in schedule.kwargs
    assert retention.PURGE_TASK_SECONDS < retention.PURGE_TASK_TIMEOUT
    make_delivery(hook, 40 * DAY)
    assert tasks.purge().startswith("purge deleted 1 attempts, 1 deliveries")
    assert Delivery.objects.count() == 0
