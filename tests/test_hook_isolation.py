"""A failing hook must not slow a healthy one (issue #11), on a real 2-worker qcluster.

At the onset of an outage nothing is known yet: the first requests to the dead endpoint
each hold a worker for the timeout, and again for Okta's immediate retry. If every
worker may send for the same hook, every worker is held, and the healthy hook's events
wait for a free one; with a limit of senders per hook one worker stays free.
"""

from __future__ import annotations

import time

import pytest

from hooks.eventhooks.services import SYSTEM, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.eventhooks.verification import hook_verify
from hooks.receiver.receiver import Receiver
from hooks.systemlog.publishing import event_publish
from tests.cluster import running_cluster, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TIMEOUT = 2.0  # HOOKS_DELIVERY_TIMEOUT of the cluster: the onset holds a worker 2 x this


def make_hook(receiver: Receiver, name: str) -> None:
    hook, _ = hook_create(
        spec=HookSpec(name=name, uri=receiver.url, event_types=["user.lifecycle.create"]),
        actor=SYSTEM,
    )
    hook_verify(hook=hook, actor=SYSTEM)


def test_a_hook_timing_out_at_the_onset_holds_back_no_healthy_event(tmp_path, settings):
    settings.HOOKS_LEASE_SECONDS = 30
    with (
        Receiver() as dead,
        Receiver() as healthy,
        running_cluster(
            tmp_path,
            HOOKS_Q_WORKERS="2",
            HOOKS_DELIVERY_TIMEOUT=str(TIMEOUT),
            HOOKS_LEASE_SECONDS="30",
            HOOKS_MAX_BATCH="1",
        ) as cluster,
    ):
        make_hook(dead, "dead")
        make_hook(healthy, "healthy")
        dead.set_behaviour(delay=30)  # holds every request past the timeout
        published: dict[str, float] = {}
        for index in range(15):  # 3 s of events, each to both hooks, from the onset on
            uuid = f"onset-{index}"
            published[uuid] = time.time()
            event_publish(events=[{"eventType": "user.lifecycle.create", "uuid": uuid}])
            time.sleep(0.2)
        wait_until(
            lambda: len(healthy.requests) >= len(published),
            timeout=30,
            message=f"healthy hook got {len(healthy.requests)}\n{cluster.log()}",
        )
    waits = {
        request.events[0]["uuid"]: request.received_at - published[request.events[0]["uuid"]]
        for request in healthy.requests
    }
    # Without a limit both workers wait out the dead hook's timeout and immediate retry
    # (2 x 2 s) at the onset and healthy events wait up to that long.
    assert max(waits.values()) < TIMEOUT / 2, sorted(waits.items(), key=lambda kv: -kv[1])[:5]
