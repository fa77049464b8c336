"""The real thing: a `manage.py qcluster` process, a receiver on 127.0.0.1, the test database.

Tasks go through django-q2's broker to the cluster (nothing runs inline here). The
sweeper, which the cluster runs once a minute, is called by the tests to keep them fast.
"""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook

from hooks.delivery.sweeper import delivery_sweep
from hooks.eventhooks.services import SYSTEM, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.eventhooks.verification import hook_verify
from hooks.models import Delivery, EventHook
from hooks.receiver.receiver import Receiver
from hooks.systemlog.publishing import event_publish
from tests.cluster import running_cluster, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLUSTER_ENV = {
    "HOOKS_LEASE_SECONDS": "3",
    "HOOKS_RETRY_SCHEDULE": "0,1s,1s",
    "HOOKS_MAX_BATCH": "10",
}


@pytest.fixture
def fast_settings(settings):
    settings.HOOKS_LEASE_SECONDS = 3
    settings.HOOKS_RETRY_SCHEDULE = [0, 1, 1]
    settings.HOOKS_MAX_BATCH = 10
    return settings


@pytest.fixture
def cluster(tmp_path, fast_settings):
    with running_cluster(tmp_path, **CLUSTER_ENV) as process:
        yield process


def make_hook(receiver: Receiver, name: str = "cluster hook", **spec) -> tuple[EventHook, str]:
    hook, secret = hook_create(
        spec=HookSpec(
            name=name,
            uri=receiver.url,
            event_types=spec.pop("event_types", ["user.lifecycle.create"]),
            auth_key="Authorization",
            auth_value="Bearer cluster-secret",
            **spec,
        ),
        actor=SYSTEM,
    )
    return hook_verify(hook=hook, actor=SYSTEM), secret


def publish(count: int, *, prefix: str, event_type: str = "user.lifecycle.create", **fields):
    return event_publish(
        events=[{"eventType": event_type, "uuid": f"{prefix}-{i}", **fields} for i in range(count)]
    )


def delivered_uuids(receiver: Receiver) -> set[str]:
    return {event["uuid"] for event in receiver.events()}


def test_verification_runs_on_the_cluster(cluster, receiver):
    hook, _ = make_hook(receiver)
    assert hook.verification_status == "VERIFIED"
    assert receiver.verifications[-1].header("Authorization") == "Bearer cluster-secret"


def test_events_are_delivered_batched_and_signed(cluster, receiver):
    hook, secret = make_hook(receiver)
    publish(200, prefix="burst")
    wait_until(
        lambda: len(delivered_uuids(receiver)) == 200,
        timeout=30,
        message=f"delivered {len(delivered_uuids(receiver))} of 200\n{cluster.log()}",
    )
    sizes = [len(request.events) for request in receiver.requests]
    assert max(sizes) == 10 and sum(sizes) == 200
    for request in receiver.requests:
        Webhook(secret).verify(request.body, dict(request.headers))
    wait_until(
        lambda: not Delivery.objects.filter(kind="EVENTS").exclude(status="SUCCEEDED").exists(),
        timeout=10,
    )


def test_retries_through_the_cluster_end_in_success(cluster, receiver):
    hook, _ = make_hook(receiver)
    receiver.set_behaviour(status=[500, 500, 200])  # the immediate retry fails too
    publish(1, prefix="retry")
    wait_until(
        lambda: Delivery.objects.filter(kind="EVENTS", status="PENDING").exists(), timeout=10
    )
    time.sleep(1.3)  # the 1 s backoff
    delivery_sweep()
    wait_until(
        lambda: (
            "retry-0" in delivered_uuids(receiver)
            and Delivery.objects.filter(kind="EVENTS", status="SUCCEEDED").exists()
        ),
        timeout=15,
    )
    delivery = Delivery.objects.get(kind="EVENTS")
    assert list(delivery.attempts.values_list("response_status", flat=True)) == [500, 500, 200]


def test_a_filter_lets_only_matching_events_through_a_real_worker(cluster, receiver):
    make_hook(
        receiver,
        event_types=["group.user_membership.add"],
        filters={
            "group.user_membership.add": "event.target.?[type eq 'UserGroup' && "
            "displayName eq 'Sales'].size() > 0"
        },
    )
    for index, group in enumerate(["Sales", "Marketing", "Sales", "Support"]):
        event_publish(
            events=[
                {
                    "eventType": "group.user_membership.add",
                    "uuid": f"group-{index}",
                    "target": [
                        {"type": "User", "id": "00u1"},
                        {"type": "UserGroup", "displayName": group, "id": f"00g{index}"},
                    ],
                }
            ]
        )
    wait_until(lambda: len(delivered_uuids(receiver)) >= 2, timeout=15)
    time.sleep(0.5)
    assert delivered_uuids(receiver) == {"group-0", "group-2"}


def test_a_hanging_endpoint_does_not_hold_back_a_healthy_hook(tmp_path, fast_settings):
    with (
        Receiver() as slow,
        Receiver() as fast,
        running_cluster(tmp_path, **CLUSTER_ENV, HOOKS_DELIVERY_TIMEOUT="1"),
    ):
        make_hook(slow, name="slow")
        make_hook(fast, name="fast")
        slow.set_behaviour(delay=5)
        started = time.monotonic()
        for index in range(5):
            publish(1, prefix=f"mixed-{index}")
            time.sleep(0.1)
        wait_until(lambda: len(delivered_uuids(fast)) == 5, timeout=20)
        elapsed = time.monotonic() - started
    # The slow hook costs at most one worker for ~2 s (timeout + immediate retry), then backs off.
    assert elapsed < 6, elapsed


def test_sigkill_of_the_cluster_loses_no_event(tmp_path, fast_settings):
    with Receiver() as receiver:
        receiver.set_behaviour(delay=0.02)
        cluster_env = {**CLUSTER_ENV, "HOOKS_MAX_BATCH": "5"}
        with running_cluster(tmp_path, **cluster_env) as cluster:
            make_hook(receiver)
            for batch in range(30):
                publish(10, prefix=f"before-{batch}")
            wait_until(lambda: len(delivered_uuids(receiver)) >= 60, timeout=30)
            cluster.kill()  # mid-run: deliveries in flight, tasks queued, matches unclaimed
            in_flight = Delivery.objects.filter(status="SENDING").count()
            for batch in range(10):
                publish(10, prefix=f"while-down-{batch}")
            assert len(delivered_uuids(receiver)) < 400
            cluster.start()
            expected = {f"before-{b}-{i}" for b in range(30) for i in range(10)} | {
                f"while-down-{b}-{i}" for b in range(10) for i in range(10)
            }

            def everything_arrived() -> bool:
                delivery_sweep()
                return delivered_uuids(receiver) >= expected

            wait_until(
                everything_arrived,
                timeout=60,
                interval=0.5,
                message=f"missing {len(expected - delivered_uuids(receiver))}",
            )
    received = [event["uuid"] for event in receiver.events()]
    duplicates = len(received) - len(set(received))
    # Duplicates only for deliveries that were in flight when the cluster died.
    assert duplicates <= max(in_flight, 1) * 5
    assert not Delivery.objects.filter(kind="EVENTS", status__in=["FAILED"]).exists()


def test_a_nul_byte_answer_through_the_cluster_ends_succeeded_and_sanitized(cluster, receiver):
    """Issue #10 item 2: on PostgreSQL a NUL in the answer used to wedge the delivery
    SENDING, sent again every lease."""
    make_hook(receiver)
    receiver.set_behaviour(status=200, body=b"ok\x00", headers={"X-Nul": "a\x00b"})
    publish(1, prefix="nul")
    wait_until(
        lambda: Delivery.objects.filter(kind="EVENTS", status="SUCCEEDED").exists(),
        timeout=15,
        message=cluster.log(),
    )
    attempt = Delivery.objects.get(kind="EVENTS").attempts.get()
    assert attempt.response_excerpt == "ok\ufffd"
    assert attempt.response_headers["X-Nul"] == "a\ufffdb"
    time.sleep(3.5)  # past a lease: nothing is sent again
    delivery_sweep()
    assert len(receiver.requests) == 1


def test_a_deactivated_hook_gets_no_retry_through_the_cluster_until_reactivated(cluster, receiver):
    """Issue #10 item 3, on a real qcluster."""
    from hooks.eventhooks.services import hook_activate, hook_deactivate

    hook, _ = make_hook(receiver)
    receiver.set_behaviour(status=500)
    publish(1, prefix="inactive")
    wait_until(
        lambda: Delivery.objects.filter(kind="EVENTS", status="PENDING").exists(), timeout=10
    )
    hook_deactivate(hook=EventHook.objects.get(pk=hook.pk), actor=SYSTEM)
    receiver.set_behaviour(status=200)
    receiver.clear()
    time.sleep(1.3)  # the retry is due
    delivery_sweep()
    time.sleep(1.0)  # a task would have run by now
    assert receiver.requests == []
    assert Delivery.objects.get(kind="EVENTS").status == "PENDING"
    hook_activate(hook=EventHook.objects.get(pk=hook.pk), actor=SYSTEM)
    delivery_sweep()
    wait_until(
        lambda: Delivery.objects.filter(kind="EVENTS", status="SUCCEEDED").exists(),
        timeout=15,
        message=cluster.log(),
    )
    assert delivered_uuids(receiver) == {"inactive-0"}
