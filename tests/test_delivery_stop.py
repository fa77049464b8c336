"""A worker's deliver_hook ends early once its cluster is stopping (hooks.lib.stopping):
no request starts after the stop, unsent deliveries go back to the outbox, and a task is
left for the next start. tests/test_clean_stop.py runs it through a real qcluster."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from django_q.brokers import get_broker

from hooks.delivery import sender
from hooks.lib import stopping
from hooks.models import Delivery, OutboxEntry
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_stop_flag():
    stopping.share_with_children(multiprocessing.get_context("fork"))
    yield
    stopping.forget()


@pytest.fixture
def backlog(active_verified_hook, settings):
    """Five single-event deliveries' worth queued for the hook, its tasks left in the broker
    (not run inline)."""
    settings.HOOKS_MAX_BATCH = 1
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    for number in range(5):
        event_publish(events=[{"eventType": "user.lifecycle.create", "uuid": f"e{number}"}])
    assert OutboxEntry.objects.filter(delivery__isnull=True).count() == 5
    return active_verified_hook["id"]


def test_no_stop_is_asked_outside_a_cluster(shared_stop_flag):
    assert not stopping.stop_asked()
    stopping.forget()
    stopping.ask_to_stop()  # without a shared flag: nothing to tell
    assert not stopping.stop_asked()


def test_a_forked_child_sees_the_stop_its_parent_asks(shared_stop_flag):
    context = multiprocessing.get_context("fork")
    seen = context.Value("b", 0)

    def child() -> None:
        for _ in range(500):
            if stopping.stop_asked():
                seen.value = 1
                return
            time.sleep(0.01)

    process = context.Process(target=child)
    process.start()
    stopping.ask_to_stop()
    process.join(10)
    assert seen.value == 1


def test_a_stopping_worker_claims_nothing_and_leaves_a_task(shared_stop_flag, backlog, receiver):
    broker = get_broker()
    tasks_before = broker.queue_size()
    stopping.ask_to_stop()
    assert sender.deliver_hook(backlog) == 0
    assert not [r for r in receiver.requests if r.method == "POST"]
    assert OutboxEntry.objects.filter(delivery__isnull=True).count() == 5
    assert not Delivery.objects.filter(kind="EVENTS").exists()
    assert broker.queue_size() == tasks_before + 1  # for the next start


def test_a_stop_during_a_claim_sends_no_more_and_gives_the_rest_back(
    shared_stop_flag, backlog, receiver, monkeypatch
):
    real_send = sender.send

    def send_then_stop(**request):
        result = real_send(**request)
        stopping.ask_to_stop()  # asked while the first request was in flight
        return result

    monkeypatch.setattr(sender, "send", send_then_stop)
    broker = get_broker()
    tasks_before = broker.queue_size()
    assert sender.deliver_hook(backlog) == 1
    assert len([r for r in receiver.requests if r.method == "POST"]) == 1
    assert Delivery.objects.get(kind="EVENTS").status == Delivery.Status.SUCCEEDED
    assert OutboxEntry.objects.filter(delivery__isnull=True).count() == 4
    assert broker.queue_size() == tasks_before + 1
