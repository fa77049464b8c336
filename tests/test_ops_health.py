"""/healthz, worker heartbeats, manage.py hooks_status and log lines that name the hook,
delivery and attempt."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.utils import timezone
from django_q.signals import post_spawn, pre_execute

from hooks.models import Delivery, DeliveryAttempt, EventHook, Heartbeat
from hooks.ops import heartbeat, observability
from hooks.ops.observability import LogContextFilter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_heartbeat_state(monkeypatch):
    heartbeat.reset_process_state()
    yield
    heartbeat.reset_process_state()


def seen(name: str, ago: float) -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now() - timedelta(seconds=ago)}
    )


def healthz(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response.get("Cache-Control", "")
    return response.status_code, response.json()


def test_healthy_is_200_with_every_check(client):
    seen("worker@host-a", 20)
    seen(heartbeat.SWEEP, 30)
    status, body = healthz(client)
    assert status == 200 and body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["status"] == "ok" and checks["database"]["latency_ms"] >= 0
    assert checks["broker"]["status"] == "ok"
    assert checks["broker"]["type"] == ("redis" if django_settings.HOOKS_REDIS_URL else "orm")
    assert checks["worker"] == {"status": "ok", "last_seen_seconds": pytest.approx(20, abs=5)}
    assert checks["sweeper"]["status"] == "ok"


def test_the_newest_worker_of_any_host_counts(client):
    seen("worker@old-host", 3600)
    seen("worker@new-host", 5)
    seen(heartbeat.SWEEP, 5)
    assert healthz(client)[1]["checks"]["worker"]["status"] == "ok"


@pytest.mark.parametrize(
    ("age", "code", "overall", "worker"),
    [(200, 200, "degraded", "stale"), (400, 503, "unhealthy", "dead")],
)
def test_an_old_heartbeat_is_stale_then_dead(client, age, code, overall, worker):
    seen("worker@host-a", age)
    seen(heartbeat.SWEEP, 10)
    status, body = healthz(client)
    assert (status, body["status"], body["checks"]["worker"]["status"]) == (code, overall, worker)


def test_no_heartbeat_is_starting_then_missing(client, monkeypatch):
    monkeypatch.setattr(heartbeat, "_process_started", heartbeat.time.monotonic())
    status, body = healthz(client)
    assert (status, body["checks"]["worker"]["status"]) == (200, "starting")
    assert body["checks"]["sweeper"]["status"] == "missing"
    monkeypatch.setattr(
        heartbeat, "_process_started", heartbeat.time.monotonic() - heartbeat.STARTUP_GRACE - 1
    )
    status, body = healthz(client)
    assert (status, body["status"], body["checks"]["worker"]["status"]) == (
        503,
        "unhealthy",
        "missing",
    )


def test_a_database_failure_is_503_without_details(client, monkeypatch):
    class Broken:
        vendor = "postgresql"

        def cursor(self):
            raise DatabaseError('connection to server at "db.internal", user "hooks" failed')

    monkeypatch.setattr(observability, "connection", Broken())
    status, body = healthz(client)
    assert status == 503 and body["status"] == "unhealthy"
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["database"]["error"] == "DatabaseError"
    assert "db.internal" not in json.dumps(body)


def test_a_broker_failure_is_503_without_the_url(client, monkeypatch):
    class DownBroker:
        def ping(self):
            raise ConnectionError("Error connecting to redis://:hunter2@10.0.0.5:6379")

        queue_size = ping

    seen("worker@host-a", 1)
    monkeypatch.setattr(observability, "_broker", lambda: DownBroker())
    status, body = healthz(client)
    assert status == 503 and body["checks"]["broker"]["error"] == "ConnectionError"
    assert "hunter2" not in json.dumps(body)


def test_healthz_needs_no_login_and_shows_no_secret(client, settings):
    seen("worker@host-a", 1)
    text = client.get("/healthz").content.decode()
    assert settings.SECRET_KEY not in text
    assert "password" not in text.lower()
    assert client.post("/healthz").status_code == 405


# --- heartbeats ---------------------------------------------------------------------------
def test_a_worker_beats_on_spawn_and_before_tasks_throttled():
    post_spawn.send(sender="django_q", proc_name="Process-1:1")
    row = Heartbeat.objects.get(name=heartbeat.worker_name())
    first = row.seen_at
    pre_execute.send(
        sender="django_q", func=None, task={"func": "hooks.tasks.deliver_hook", "args": ["who1"]}
    )
    row.refresh_from_db()
    assert row.seen_at == first  # within BEAT_EVERY of the spawn beat
    pre_execute.send(sender="django_q", func=None, task={"func": heartbeat.SWEEP_TASK, "args": []})
    assert Heartbeat.objects.filter(name=heartbeat.SWEEP).exists()


def test_inline_tasks_do_not_pretend_to_be_a_worker():
    post_spawn.send(sender="django_q", proc_name="MainProcess")
    pre_execute.send(
        sender="django_q", func=None, task={"func": heartbeat.SWEEP_TASK, "sync": True}
    )
    assert not Heartbeat.objects.exists()


def test_a_failed_heartbeat_write_never_raises(monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("read-only")

    monkeypatch.setattr(Heartbeat.objects, "filter", broken)
    assert heartbeat.beat("worker@x") is False
    monkeypatch.undo()
    assert heartbeat.beat("worker@x") is True  # not throttled by the failed try


# --- manage.py hooks_status ---------------------------------------------------------------
def status_command(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("hooks_status", *args, stdout=out, stderr=StringIO())
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def test_hooks_status_prints_everything_at_a_glance():
    seen("worker@host-a", 12)
    seen(heartbeat.SWEEP, 40)
    hook = EventHook.objects.create(
        name="Flaky",
        uri="https://example.com/h",
        status="ACTIVE",
        verification_status="VERIFIED",
        consecutive_failures=4,
        failing_since=timezone.now(),
    )
    delivery = Delivery.objects.create(hook=hook, status="SUCCEEDED")
    for number, ms in enumerate([10.0, 20.0, 30.0, 400.0], start=1):
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            duration_ms=ms,
            started_at=timezone.now(),
            outcome="SUCCESS",
        )
    Delivery.objects.create(hook=hook, status="PENDING", next_attempt_at=timezone.now())
    output, code = status_command()
    assert code == 0
    assert output.startswith("Event hooks console: OK")
    assert "worker     ok        last seen 12 s ago" in output
    assert "1 total, 1 active, 1 active and verified, 1 failing" in output
    assert f"! Flaky ({hook.id}): 4 consecutive failure(s)" in output
    assert "1 pending, 0 sending" in output
    assert "2 deliveries: 1 PENDING, 1 SUCCEEDED" in output
    assert "p50 20.0 ms, p95 400.0 ms over 4 attempt(s)" in output


def test_hooks_status_exits_non_zero_when_unhealthy():
    seen("worker@host-a", 3600)
    output, code = status_command()
    assert code == 1
    assert output.startswith("Event hooks console: UNHEALTHY")
    assert "worker     dead" in output


def test_hooks_status_json():
    seen("worker@host-a", 1)
    output, code = status_command("--json")
    facts = json.loads(output)
    assert code == 0 and facts["checks"]["worker"]["status"] == "ok"
    assert set(facts) == {"status", "checks", "hooks", "queue", "last_hour"}


# --- log lines ----------------------------------------------------------------------------
def test_the_filter_fills_context_fields_from_the_running_task():
    record = logging.LogRecord(
        "hooks.delivery.matching", logging.WARNING, __file__, 1, "x", (), None
    )
    observability.bind_task({"func": "hooks.tasks.deliver_hook", "args": ["whoABC"]})
    try:
        assert LogContextFilter().filter(record)
    finally:
        observability.task_finished({"func": "hooks.tasks.deliver_hook", "success": True})
    assert (record.hook_id, record.delivery_id, record.attempt) == ("whoABC", "-", "-")
    observability.bind_task({"func": "hooks.tasks.retry_delivery", "args": [42]})
    retry = logging.LogRecord(
        "hooks.delivery.hook_health", logging.INFO, __file__, 1, "z", (), None
    )
    LogContextFilter().filter(retry)
    observability.task_finished({"func": "hooks.tasks.retry_delivery", "success": True})
    assert (retry.delivery_pk, retry.hook_id) == (42, "-")
    later = logging.LogRecord("x", logging.INFO, __file__, 1, "y", (), None)
    LogContextFilter().filter(later)
    assert later.hook_id == "-"


@pytest.mark.django_db(transaction=True)
def test_failed_attempts_and_verifications_log_hook_delivery_and_attempt(
    api, hook_body, receiver, caplog
):
    caplog.set_level(logging.INFO, logger="hooks")
    receiver.set_behaviour(verification="wrong")
    hook_body["channel"]["config"]["uri"] = receiver.url
    hook_id = api.post("/api/v1/eventHooks", hook_body, format="json").json()["id"]
    assert api.post(f"/api/v1/eventHooks/{hook_id}/lifecycle/verify").status_code == 400
    verification = Delivery.objects.get(kind="VERIFICATION")
    lines = [r for r in caplog.records if r.name == "hooks.ops.observability"]
    assert [r.attempt for r in lines] == [1, 2, 2]
    assert all(
        r.hook_id == hook_id and r.delivery_id == str(verification.envelope_id) for r in lines
    )
    assert f"hook {hook_id} verification {verification.envelope_id} attempt 1 failed" in (
        lines[0].getMessage()
    )
    assert lines[-1].levelno == logging.WARNING and "FAILED after 2 attempt(s)" in (
        lines[-1].getMessage()
    )

    caplog.clear()
    receiver.set_behaviour(verification="echo")
    assert api.post(f"/api/v1/eventHooks/{hook_id}/lifecycle/verify").status_code == 200
    receiver.set_behaviour(status=503)
    from hooks.systemlog.publishing import event_publish

    event_publish(events=[{"eventType": "user.lifecycle.create"}])
    delivery = Delivery.objects.get(kind="EVENTS")
    failed = [r for r in caplog.records if r.name == "hooks.delivery"]
    assert [(r.hook_id, r.delivery_id, r.attempt) for r in failed] == [
        (hook_id, str(delivery.envelope_id), 1),
        (hook_id, str(delivery.envelope_id), 2),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_retry_that_exhausts_the_schedule_logs_one_warning(
    api, hook_body, receiver, caplog, settings
):
    settings.HOOKS_RETRY_SCHEDULE = [0, 0.01]
    hook_body["channel"]["config"]["uri"] = receiver.url
    hook_id = api.post("/api/v1/eventHooks", hook_body, format="json").json()["id"]
    assert api.post(f"/api/v1/eventHooks/{hook_id}/lifecycle/verify").status_code == 200
    receiver.set_behaviour(status=500)
    from hooks.delivery.dispatch import enqueue
    from hooks.systemlog.publishing import event_publish

    event_publish(events=[{"eventType": "user.lifecycle.create"}])
    delivery = Delivery.objects.get(kind="EVENTS")
    assert delivery.status == "PENDING"
    caplog.set_level(logging.INFO, logger="hooks")
    heartbeat.time.sleep(0.05)
    enqueue("hooks.tasks.retry_delivery", delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "FAILED" and delivery.attempt_count == 3
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.name == "hooks.ops.observability"
    assert warning.getMessage() == (
        f"hook {hook_id} delivery {delivery.envelope_id} FAILED after 3 attempts: HTTP 500"
    )
    assert (warning.hook_id, warning.delivery_id, warning.attempt) == (
        hook_id,
        str(delivery.envelope_id),
        3,
    )
