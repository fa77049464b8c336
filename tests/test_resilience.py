"""Resilience against the real services: outages during a delivery run lose nothing.

Runs on whichever stack is configured. The outages are chosen at collection from that stack
(never skipped): Redis and PostgreSQL restarts on PostgreSQL + Redis, a held write lock on
SQLite; SIGKILLs, misbehaving receivers and a purge during delivery run on both. Every
published event must end delivered to its own hook, or FAILED after the retry schedule
with every attempt recorded.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from io import StringIO
from statistics import median
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, close_old_connections, connection

from hooks.delivery.sweeper import delivery_sweep
from hooks.eventhooks.services import SYSTEM, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.eventhooks.verification import hook_verify
from hooks.models import Delivery, OutboxEntry
from hooks.ops import heartbeat
from hooks.outbound import errors as transport_errors
from hooks.receiver.receiver import Receiver
from hooks.systemlog.publishing import event_publish
from tests.cluster import Cluster, running_cluster, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TYPE_A, TYPE_B = "user.lifecycle.create", "user.lifecycle.deactivate"
CLUSTER_ENV = {
    "HOOKS_LEASE_SECONDS": "3",
    "HOOKS_RETRY_SCHEDULE": "0,1s,1s",
    "HOOKS_MAX_BATCH": "10",
    "HOOKS_Q_LOG_LEVEL": "INFO",
}
# A receiver failing "for a minute", shortened: 500s for 15 s within a ~20 s schedule.
OUTAGE_SCHEDULE = "0,2s,3s,5s,5s,5s"
OUTAGE_SECONDS = 15.0

ENGINE = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
REDIS_URL = settings.HOOKS_REDIS_URL
DISRUPTIONS = ["worker-sigkill", "purge-while-delivering"]
if REDIS_URL:
    DISRUPTIONS.append("redis-restart")
if ENGINE == "postgresql":
    DISRUPTIONS.append("postgres-restart")
if ENGINE == "sqlite3":
    DISRUPTIONS.append("sqlite-write-lock")


@pytest.fixture
def fast_settings(settings):
    # Above the workers' 10 s beat interval: a cluster that works never looks stale.
    settings.HOOKS_HEARTBEAT_STALE = 12
    settings.HOOKS_LEASE_SECONDS = 3
    settings.HOOKS_RETRY_SCHEDULE = [0, 1, 1]
    settings.HOOKS_MAX_BATCH = 10
    return settings


# --- helpers ------------------------------------------------------------------------------
def with_db(action, *, timeout: float = 30.0):
    """Run a database action, reconnecting through a restart of the database."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except DatabaseError:
            if time.monotonic() > deadline:
                raise
            close_old_connections()
            time.sleep(0.2)


def make_hook(receiver: Receiver, name: str, event_type: str):
    hook, _ = hook_create(
        spec=HookSpec(name=name, uri=receiver.url, event_types=[event_type]), actor=SYSTEM
    )
    return hook_verify(hook=hook, actor=SYSTEM)


class Publisher(threading.Thread):
    """Publishes one event per type every `interval` seconds, retrying through outages."""

    def __init__(self, prefix: str, types: list[str], interval: float = 0.05):
        super().__init__(daemon=True)
        self.prefix, self.types, self.interval = prefix, types, interval
        self.published: dict[str, tuple[str, float]] = {}  # uuid -> (type, publish time)
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for round_number in range(10_000):
                if self.stopping.is_set():
                    return
                events = [
                    {"eventType": t, "uuid": f"{self.prefix}-{t}-{round_number}"}
                    for t in self.types
                ]
                sent_at = time.time()
                with_db(lambda events=events: event_publish(events=events))
                for event in events:
                    self.published[event["uuid"]] = (event["eventType"], sent_at)
                time.sleep(self.interval)
        except BaseException as error:  # reported by stop()
            self.error = error
        finally:
            connection.close()

    def stop(self) -> dict[str, tuple[str, float]]:
        self.stopping.set()
        self.join(timeout=60)
        assert self.error is None, f"publishing failed: {self.error!r}"
        return dict(self.published)


def arrivals(receiver: Receiver) -> dict[str, float]:
    """{event uuid: first receipt time} at a receiver."""
    first: dict[str, float] = {}
    for request in receiver.requests:
        for event in request.events:
            first.setdefault(event["uuid"], request.received_at)
    return first


def sweep_until(predicate, *, timeout: float, message: str = "") -> None:
    """Run the sweeper as the schedule would (more often), until `predicate` holds."""

    def check() -> bool:
        with_db(delivery_sweep)
        return with_db(predicate)

    wait_until(check, timeout=timeout, interval=0.5, message=message)


def assert_only_own_events(receiver: Receiver, hook, event_type: str) -> None:
    """Nothing delivered to the wrong hook: own hook id in every envelope, own type only."""
    for request in receiver.requests:
        assert request.json["source"].endswith(f"/api/v1/eventHooks/{hook.id}")
        assert {event["eventType"] for event in request.events} <= {event_type}


def missing_events(receivers: dict, published: dict[str, tuple[str, float]]) -> set[str]:
    """Published events that have not reached their hook's receiver yet."""
    missing = set()
    for event_type, (receiver, _) in receivers.items():
        arrived = set(arrivals(receiver))
        missing |= {u for u, (kind, _) in published.items() if kind == event_type} - arrived
    return missing


def settled(receivers: dict, published: dict[str, tuple[str, float]]) -> bool:
    """Everything arrived and no delivery is still in flight (a duplicate may be due)."""
    return (
        not missing_events(receivers, published)
        and not Delivery.objects.filter(kind="EVENTS", status__in=["PENDING", "SENDING"]).exists()
    )


def assert_all_delivered(receivers: dict, published: dict[str, tuple[str, float]]) -> None:
    missing = missing_events(receivers, published)
    assert not missing, f"{len(missing)} of {len(published)} events lost"
    for event_type, (receiver, hook) in receivers.items():
        assert_only_own_events(receiver, hook, event_type)
    assert not OutboxEntry.objects.filter(delivery__isnull=True).exists()
    assert not Delivery.objects.filter(kind="EVENTS").exclude(status="SUCCEEDED").exists()


# --- disruptions --------------------------------------------------------------------------
def _redis(*args: str) -> str:
    parts = urlsplit(REDIS_URL)
    host, port = parts.hostname or "127.0.0.1", str(parts.port or 6379)
    if args[0] == "redis-server":  # the flags of .ci/run
        flags = ["--daemonize", "yes", "--port", port, "--bind", host, "--save", ""]
        subprocess.run([*args, *flags, "--appendonly", "no"], check=True, timeout=10)
        return ""
    done = subprocess.run(
        ["redis-cli", "-h", host, "-p", port, *args], capture_output=True, text=True, timeout=10
    )
    return done.stdout.strip()


def restart_redis(seconds: float = 2.0) -> None:
    """SHUTDOWN NOSAVE (queued tasks are lost), then start it again as .ci/run does."""
    _redis("shutdown", "nosave")
    try:
        wait_until(lambda: _redis("ping") != "PONG", timeout=10, interval=0.1)
        time.sleep(seconds)
    finally:
        if _redis("ping") != "PONG":
            _redis("redis-server")
        wait_until(
            lambda: _redis("ping") == "PONG",
            timeout=20,
            interval=0.1,
            message="Redis did not come back",
        )


def restart_postgres() -> None:
    """pg_ctlcluster restart: every connection (workers', ours) is cut."""
    version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
    try:
        subprocess.run(["pg_ctlcluster", version, "main", "restart"], check=True, timeout=60)
    finally:
        wait_until(
            lambda: (
                subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], timeout=5).returncode == 0
            ),
            timeout=30,
            interval=0.2,
            message="PostgreSQL did not come back",
        )
    close_old_connections()


def hold_sqlite_write_lock(seconds: float = 4.0) -> None:
    """Another process's write transaction: every writer (publisher, workers) must wait."""
    lock = sqlite3.connect(connection.settings_dict["NAME"], timeout=20, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        time.sleep(seconds)
        lock.execute("ROLLBACK")
    finally:
        lock.close()


def worker_pids(cluster: Cluster) -> list[int]:
    """Live worker processes of a cluster, from django-q2's "ready for work at <pid>" lines."""
    pids = [int(pid) for pid in re.findall(r"ready for work at (\d+)", cluster.log())]
    return [pid for pid in pids if os.path.exists(f"/proc/{pid}")]


def kill_a_worker(cluster: Cluster, receivers: list[Receiver]) -> None:
    """SIGKILL one worker process; restart the cluster if it wedges, as a supervisor would.

    django-q2's workers share one multiprocessing queue, and an idle worker waits inside
    it holding its read lock: killed there, it leaves the lock taken and no worker of
    that cluster takes a task again. The heartbeat is how that shows (/healthz "stale",
    then 503): this asserts that it does, then restarts the cluster.
    """
    wait_until(lambda: worker_pids(cluster), timeout=10, message="no worker pid in the log")
    os.kill(worker_pids(cluster)[0], signal.SIGKILL)
    wait_until(
        lambda: "reincarnated worker" in cluster.log(),
        timeout=10,
        message="the guard did not replace the killed worker",
    )
    before = sum(len(receiver.requests) for receiver in receivers)
    time.sleep(3)
    if sum(len(receiver.requests) for receiver in receivers) > before:
        return  # the killed worker was busy: the cluster carries on by itself
    wait_until(
        lambda: not with_db(lambda: heartbeat.worker_liveness().state == "ok"),
        timeout=25,
        interval=0.5,
        message="a wedged cluster still looks healthy",
    )
    cluster.kill()
    cluster.start()


def purge_everything_finished() -> None:
    """Retention at age 0, twice, while the workers deliver: only finished work may go."""
    for _ in range(2):
        with_db(
            lambda: call_command(
                "purge", "--older-than", "0", "--batch-size", "20", stdout=StringIO()
            )
        )
        time.sleep(0.5)


# --- the tests ----------------------------------------------------------------------------
@pytest.mark.parametrize("disruption", DISRUPTIONS)
def test_a_disruption_during_a_delivery_run_loses_nothing(disruption, tmp_path, fast_settings):
    with Receiver() as receiver_a, Receiver() as receiver_b:
        receiver_a.set_behaviour(delay=0.01)
        with running_cluster(tmp_path, **CLUSTER_ENV) as cluster:
            hook_a = make_hook(receiver_a, "A", TYPE_A)
            hook_b = make_hook(receiver_b, "B", TYPE_B)
            publisher = Publisher(disruption, [TYPE_A, TYPE_B])
            publisher.start()
            wait_until(lambda: len(arrivals(receiver_b)) >= 20, timeout=20)
            if disruption == "redis-restart":
                restart_redis()
            elif disruption == "postgres-restart":
                restart_postgres()
            elif disruption == "sqlite-write-lock":
                hold_sqlite_write_lock()
            elif disruption == "worker-sigkill":
                kill_a_worker(cluster, [receiver_a, receiver_b])
            else:
                purge_everything_finished()
            time.sleep(1.0)  # keep publishing through the recovery
            published = publisher.stop()
            assert len(published) >= 40
            receivers = {TYPE_A: (receiver_a, hook_a), TYPE_B: (receiver_b, hook_b)}
            sweep_until(
                lambda: settled(receivers, published),
                timeout=45,
                message=f"{disruption}: not everything arrived\n{cluster.log()[-3000:]}",
            )
            with_db(lambda: assert_all_delivered(receivers, published))


def test_sigkill_of_one_of_two_clusters_loses_nothing(tmp_path, fast_settings):
    with Receiver() as receiver_a, Receiver() as receiver_b:
        receiver_a.set_behaviour(delay=0.02)
        first = Cluster(tmp_path / "first.log", **CLUSTER_ENV).start()
        second = Cluster(tmp_path / "second.log", **CLUSTER_ENV).start()
        try:
            hook_a = make_hook(receiver_a, "A", TYPE_A)
            hook_b = make_hook(receiver_b, "B", TYPE_B)
            publisher = Publisher("two", [TYPE_A, TYPE_B], interval=0.02)
            publisher.start()
            wait_until(lambda: len(arrivals(receiver_a)) >= 30, timeout=20)
            first.kill()
            time.sleep(1.5)
            published = publisher.stop()
            receivers = {TYPE_A: (receiver_a, hook_a), TYPE_B: (receiver_b, hook_b)}
            sweep_until(
                lambda: settled(receivers, published), timeout=40, message=second.log()[-3000:]
            )
        finally:
            first.stop()
            second.stop()
    assert_all_delivered(receivers, published)


@pytest.mark.parametrize("misbehaviour", ["hang", "close"])
def test_a_dead_endpoint_ends_failed_with_every_attempt_while_others_flow(
    misbehaviour, tmp_path, fast_settings
):
    cluster_env = {**CLUSTER_ENV, "HOOKS_DELIVERY_TIMEOUT": "1"}
    with Receiver() as dead, Receiver() as healthy, running_cluster(tmp_path, **cluster_env):
        hook_dead = make_hook(dead, "dead", TYPE_A)
        hook_ok = make_hook(healthy, "healthy", TYPE_B)
        if misbehaviour == "hang":
            dead.set_behaviour(delay=5)  # longer than the 1 s timeout
        else:
            dead.set_behaviour(close_connection_without_response=True)
        # One publish: the dead hook's three events share one delivery.
        event_publish(events=[{"eventType": TYPE_A, "uuid": f"dead-{i}"} for i in range(3)])
        publisher = Publisher(misbehaviour, [TYPE_B], interval=0.1)
        publisher.start()
        time.sleep(3)
        published = publisher.stop()
        sweep_until(
            lambda: (
                Delivery.objects.filter(hook=hook_dead, status="FAILED").exists()
                and settled({TYPE_B: (healthy, hook_ok)}, published)
            ),
            timeout=30,
        )
    delivery = Delivery.objects.get(hook=hook_dead, kind="EVENTS")
    attempts = list(delivery.attempts.order_by("number"))
    assert [a.number for a in attempts] == [1, 2, 3, 4]  # 1 + immediate + the 2 scheduled
    error = transport_errors.TIMED_OUT if misbehaviour == "hang" else transport_errors.CLOSED
    assert all(a.outcome == "FAILURE" and error in a.error for a in attempts)
    assert delivery.attempt_count == 4 and delivery.event_count == 3
    assert all(arrivals(healthy)[uuid] - sent < 2.0 for uuid, (_, sent) in published.items())
    assert_only_own_events(healthy, hook_ok, TYPE_B)


def test_500s_for_a_while_then_delivered_and_healthy_latency_holds(tmp_path, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0, 2, 3, 5, 5, 5]
    settings.HOOKS_LEASE_SECONDS = 5
    env = {**CLUSTER_ENV, "HOOKS_RETRY_SCHEDULE": OUTAGE_SCHEDULE, "HOOKS_LEASE_SECONDS": "5"}
    with Receiver() as failing, Receiver() as healthy, running_cluster(tmp_path, **env):
        hook_failing = make_hook(failing, "failing", TYPE_A)
        hook_ok = make_hook(healthy, "healthy", TYPE_B)
        alone = Publisher("alone", [TYPE_B], interval=0.1)
        alone.start()
        time.sleep(2)
        baseline = alone.stop()
        recover_at = time.time() + OUTAGE_SECONDS
        failing.set_behaviour(status=lambda request: 500 if time.time() < recover_at else 200)
        both = Publisher("both", [TYPE_A, TYPE_B], interval=0.1)
        both.start()
        time.sleep(2)
        during = both.stop()
        receivers = {TYPE_A: (failing, hook_failing), TYPE_B: (healthy, hook_ok)}
        sweep_until(
            lambda: settled(receivers, {**baseline, **during}),
            timeout=OUTAGE_SECONDS + 25,
            message="the failing hook never recovered",
        )
    times = arrivals(healthy)
    base = median([times[u] - sent for u, (_, sent) in baseline.items()])
    loaded = median([times[u] - sent for u, (kind, sent) in during.items() if kind == TYPE_B])
    print(
        f"healthy hook p50: {base * 1000:.0f} ms alone, {loaded * 1000:.0f} ms beside a failing one"
    )
    assert loaded <= max(3 * base, base + 0.3), (base, loaded)
    assert_all_delivered(receivers, {**baseline, **during})
    first = Delivery.objects.filter(hook=hook_failing, kind="EVENTS").order_by("id").first()
    statuses = list(first.attempts.order_by("number").values_list("response_status", flat=True))
    assert statuses[-1] == 200 and set(statuses[:-1]) == {500} and len(statuses) >= 4
    hook_failing.refresh_from_db()
    assert hook_failing.consecutive_failures == 0 and hook_failing.failing_since is None
