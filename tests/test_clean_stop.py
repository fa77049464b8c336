"""Stopping is clean: a SIGTERM to the whole process group ends the worker within 10 s.

systemd (KillMode=control-group) and container runtimes send SIGTERM to every process of
the service at once. These tests start `manage.py qcluster` and `manage.py run_console`
in a session of their own, send SIGTERM to the whole group (os.killpg), and time until
no process of the group is left. What was in flight must still arrive afterwards: either
the worker finished it, or its lease / the outbox hands it to the sweeper and the next
cluster.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request

import pytest

from hooks.models import Delivery
from hooks.publishing import event_publish
from hooks.receiver import Receiver
from tests.cluster import (
    ROOT,
    Cluster,
    child_environment,
    free_port,
    stop_group_as_systemd,
    wait_until,
)
from tests.test_resilience import (
    CLUSTER_ENV,
    TYPE_A,
    arrivals,
    make_hook,
    settled,
    sweep_until,
    with_db,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

STOP_DEADLINE = 10.0  # what the issue asks; the units' TimeoutStopSec is 15
# A receiver that takes a while per request, so that a delivery is in flight at the stop.
SLOW_RECEIVER_SECONDS = 1.5
STOP_ENV = {**CLUSTER_ENV, "HOOKS_MAX_BATCH": "2", "HOOKS_DELIVERY_TIMEOUT": "5"}


@pytest.fixture
def fast_settings(settings):
    settings.HOOKS_LEASE_SECONDS = 3
    settings.HOOKS_RETRY_SCHEDULE = [0, 1, 1]
    settings.HOOKS_MAX_BATCH = 2
    return settings


def worker_ready(cluster: Cluster) -> bool:
    return len(re.findall(r"ready for work at \d+", cluster.log())) >= 2


def publish_one_at_a_time(prefix: str, count: int) -> dict[str, tuple[str, float]]:
    """Separate publishes, so that the hook's outbox holds several deliveries' worth."""
    published = {}
    for number in range(count):
        uuid = f"{prefix}-{number}"
        event_publish(events=[{"eventType": TYPE_A, "uuid": uuid}])
        published[uuid] = (TYPE_A, time.time())
    return published


def test_qcluster_stops_within_10_s_on_a_group_sigterm_and_loses_nothing(tmp_path, fast_settings):
    with Receiver() as slow:
        cluster = Cluster(tmp_path / "first.log", **STOP_ENV).start()
        try:
            wait_until(lambda: worker_ready(cluster), timeout=30, message=cluster.log())
            hook = make_hook(slow, "slow", TYPE_A)
            slow.set_behaviour(delay=SLOW_RECEIVER_SECONDS)
            published = publish_one_at_a_time("stop", 12)
            # A delivery is in flight: the slow receiver has taken a request and not answered.
            wait_until(lambda: slow.requests, timeout=20, message=cluster.log()[-3000:])
            elapsed = stop_group_as_systemd(cluster.process, timeout=60)
        finally:
            cluster.kill()
        print(f"qcluster stopped {elapsed:.1f} s after a group SIGTERM")
        assert elapsed < STOP_DEADLINE, f"took {elapsed:.1f} s\n{cluster.log()[-3000:]}"
        assert with_db(lambda: Delivery.objects.exists()), "nothing was in flight at the stop"

        # Nothing lost: a new cluster and the sweeper deliver every event.
        slow.set_behaviour(delay=0)
        second = Cluster(tmp_path / "second.log", **STOP_ENV).start()
        try:
            receivers = {TYPE_A: (slow, hook)}
            sweep_until(
                lambda: settled(receivers, published),
                timeout=60,
                message=f"not everything arrived\n{second.log()[-3000:]}",
            )
        finally:
            second.stop()
        assert set(published) <= set(arrivals(slow))


def test_run_console_stops_within_10_s_on_a_group_sigterm(tmp_path):
    port = free_port()
    log_path = tmp_path / "console.log"
    with open(log_path, "ab") as log:
        console = subprocess.Popen(
            [sys.executable, "manage.py", "run_console", "--port", str(port),
             "--web-workers", "2"],
            cwd=ROOT, env=child_environment(**CLUSTER_ENV), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:

        def web_and_worker_up() -> bool:
            text = log_path.read_text(errors="replace")
            if len(re.findall(r"ready for work at \d+", text)) < 2:
                return False
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    return True
            except OSError as error:  # an HTTPError (503: no heartbeat yet) is up too
                return hasattr(error, "code")

        wait_until(web_and_worker_up, timeout=60, interval=0.3,
                   message=log_path.read_text(errors="replace")[-3000:])  # fmt: skip
        elapsed = stop_group_as_systemd(console, timeout=60)
    finally:
        if console.poll() is None:
            console.kill()
    print(f"run_console stopped {elapsed:.1f} s after a group SIGTERM")
    assert elapsed < STOP_DEADLINE, log_path.read_text(errors="replace")[-3000:]
