"""Health checks (for /healthz and hooks_status) and log lines that say which hook, delivery
and attempt they are about.

Checks report exception class names only: a driver's message can carry a host, a user or
a URL, and /healthz is unauthenticated.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django_q.brokers import get_broker

from hooks.models import Delivery, EventHook
from hooks.ops import heartbeat, metrics

logger = logging.getLogger(__name__)

LOG_FIELDS = ("hook_id", "delivery_id", "delivery_pk", "attempt")
_log_context: ContextVar[dict[str, object] | None] = ContextVar("hooks_log_context", default=None)


# --- health checks --------------------------------------------------------------------
@dataclass
class Check:
    """One dependency: status is ok or error; detail holds non-secret facts."""

    status: str
    latency_ms: float | None = None
    detail: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict:
        data = {"status": self.status, **self.detail}
        if self.latency_ms is not None:
            data["latency_ms"] = round(self.latency_ms, 2)
        return data


def _failed(error: Exception, started: float) -> Check:
    return Check(
        "error", (time.perf_counter() - started) * 1000, {"error": error.__class__.__name__}
    )


def check_database() -> Check:
    """A round trip to the database."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means unhealthy
        return _failed(error, started)
    return Check("ok", (time.perf_counter() - started) * 1000, {"engine": connection.vendor})


@lru_cache(maxsize=1)
def _broker():
    # One broker (and connection pool) per process, as hooks.delivery.dispatch does.
    return get_broker()


def broker_kind() -> str:
    return "redis" if settings.Q_CLUSTER.get("redis") else "orm"


def check_broker() -> Check:
    """Redis: PING through django-q2's broker; ORM: a query on django-q2's queue table."""
    started = time.perf_counter()
    kind = broker_kind()
    try:
        broker = _broker()
        if kind == "redis" and not broker.ping():
            raise ConnectionError("no PONG")
        queued = int(broker.queue_size() or 0)
    except Exception as error:  # any failure means unhealthy
        check = _failed(error, started)
        check.detail["type"] = kind
        return check
    return Check("ok", (time.perf_counter() - started) * 1000, {"type": kind, "queued": queued})


def _liveness_dict(liveness: heartbeat.Liveness) -> dict:
    data: dict = {"status": liveness.state}
    if liveness.age_seconds is not None:
        data["last_seen_seconds"] = round(liveness.age_seconds, 1)
    return data


def service_health_report() -> tuple[bool, dict]:
    """(healthy, body) for /healthz: the service's own health (database, broker, worker
    heartbeat and sweeper), not a hook's deliveries (hooks.delivery.hook_health).

    Unhealthy (503) when the database or the broker fails, or when no worker was seen for
    HOOKS_HEARTBEAT_DEAD (or ever, once the web process is past its startup grace). A stale
    worker or a late sweeper makes it "degraded" but still 200.
    """
    database = check_database()
    broker = check_broker()
    checks: dict = {"database": database.as_dict(), "broker": broker.as_dict()}
    worker = sweep = None
    if database.ok:
        try:
            worker, sweep = heartbeat.worker_liveness(), heartbeat.sweep_liveness()
        except Exception as error:  # the table may be missing (not migrated)
            checks["worker"] = {"status": "error", "error": error.__class__.__name__}
    if worker is not None and sweep is not None:  # set together
        checks["worker"] = _liveness_dict(worker)
        checks["sweeper"] = _liveness_dict(sweep)
    elif "worker" not in checks:
        checks["worker"] = {"status": "unknown"}
    healthy = database.ok and broker.ok and worker is not None and worker.healthy
    degraded = (
        healthy
        and worker is not None
        and sweep is not None
        and (worker.state != "ok" or sweep.state != "ok")
    )
    status = "unhealthy" if not healthy else "degraded" if degraded else "ok"
    return healthy, {"status": status, "checks": checks}


# --- log context ----------------------------------------------------------------------
class LogContextFilter(logging.Filter):
    """Gives every record `hook_id`, `delivery_id` (eventId), `delivery_pk` and `attempt`
    ("-" when unknown).

    Values come from `extra=` or from the task a worker is running. Add it to a handler
    to use them in a format string or a JSON formatter (README, Operations).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        context = _log_context.get() or {}
        for name in LOG_FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, context.get(name, "-"))
        return True


_TASK_KEYS = {
    "hooks.tasks.deliver_hook": "hook_id",
    "hooks.tasks.retry_delivery": "delivery_pk",
    "hooks.tasks.verify_hook": "delivery_pk",
    "hooks.tasks.send_preview": "delivery_pk",
}


def bind_task(task: dict) -> None:
    """django-q2 pre_execute: remember which hook or delivery the task is about."""
    key = _TASK_KEYS.get(str(task.get("func")))
    args = task.get("args") or ()
    _log_context.set({key: args[0]} if key and args else {})


def task_finished(task: dict) -> None:
    """django-q2 post_execute_in_worker: one line for outcomes no other line reports."""
    try:
        _report(task)
    except Exception:  # logging must never fail a task
        logger.debug("could not describe task %s", task.get("name"), exc_info=True)
    finally:
        _log_context.set(None)


def _report(task: dict) -> None:
    func = str(task.get("func"))
    args = task.get("args") or ()
    if not task.get("success", True):
        # django-q2's result is "<error> : <traceback>"; it logs the traceback itself.
        error = str(task.get("result") or "").split(" : Traceback", 1)[0].split("\n", 1)[0]
        logger.error("task %s%s raised: %s", func, tuple(args), error[:300])
        return
    if func in ("hooks.tasks.verify_hook", "hooks.tasks.send_preview") and args:
        _report_attempts(args[0], task)
    elif func == "hooks.tasks.retry_delivery" and args and task.get("result") is False:
        _report_exhausted(args[0], task)


def _report_attempts(delivery_pk: int, task: dict) -> None:
    """A verification or preview: each failed attempt, then the outcome."""
    delivery = (
        Delivery.objects.filter(pk=delivery_pk)
        .only("hook_id", "envelope_id", "kind", "status", "last_error")
        .first()
    )
    if delivery is None or delivery.status not in ("SUCCEEDED", "FAILED"):
        return
    kind = delivery.kind.lower()
    attempts = list(
        delivery.attempts.order_by("number").values_list(
            "number", "outcome", "response_status", "error"
        )
    )
    for number, outcome, status_code, error in attempts:
        if outcome == "FAILURE":
            logger.info(
                "hook %s %s %s attempt %d failed: %s",
                delivery.hook_id,
                kind,
                delivery.envelope_id,
                number,
                error or f"HTTP {status_code}",
                extra=_extra(delivery, number),
            )
    level = logging.INFO if delivery.status == "SUCCEEDED" else logging.WARNING
    logger.log(
        level,
        "hook %s %s %s %s after %d attempt(s)%s",
        delivery.hook_id,
        kind,
        delivery.envelope_id,
        delivery.status,
        len(attempts),
        f": {delivery.last_error}" if delivery.last_error else "",
        extra=_extra(delivery, len(attempts)),
    )


def _report_exhausted(delivery_pk: int, task: dict) -> None:
    """A retry that ended the delivery: FAILED after the whole schedule."""
    delivery = (
        Delivery.objects.filter(pk=delivery_pk, status="FAILED")
        .only("hook_id", "envelope_id", "attempt_count", "last_error", "completed_at")
        .first()
    )
    started = task.get("started")
    if delivery is None or (started and delivery.completed_at and delivery.completed_at < started):
        return  # not this task's doing
    logger.warning(
        "hook %s delivery %s FAILED after %d attempts: %s",
        delivery.hook_id,
        delivery.envelope_id,
        delivery.attempt_count,
        delivery.last_error,
        extra=_extra(delivery, delivery.attempt_count),
    )


def _extra(delivery, attempt: int) -> dict:
    return {
        "hook_id": delivery.hook_id,
        "delivery_id": str(delivery.envelope_id),
        "attempt": attempt,
    }


# --- the at-a-glance status (manage.py hooks_status) -------------------------------------
STATUS_WINDOW = 3600.0
STATUS_SAMPLE = 50_000


def status_snapshot(window: float = STATUS_WINDOW) -> tuple[bool, dict]:
    """(healthy, facts) for hooks_status: health checks plus hooks, queue and last-hour figures."""
    healthy, report = service_health_report()
    facts: dict = {"status": report["status"], "checks": report["checks"]}
    if report["checks"]["database"]["status"] != "ok":
        return healthy, facts
    now = timezone.now()
    since = now - timedelta(seconds=window)
    hooks = EventHook.objects.all()
    failing = hooks.filter(Q(consecutive_failures__gt=0) | Q(failing_since__isnull=False))
    facts["hooks"] = {
        "total": hooks.count(),
        "active": hooks.filter(status=EventHook.Status.ACTIVE).count(),
        "deliverable": hooks.filter(
            status=EventHook.Status.ACTIVE, verification_status=EventHook.Verification.VERIFIED
        ).count(),
        "failing": [
            {
                "id": hook_id,
                "name": name,
                "consecutive_failures": count,
                "failing_since": since_at.isoformat() if since_at else None,
            }
            for hook_id, name, count, since_at in failing.order_by(
                "-consecutive_failures"
            ).values_list("id", "name", "consecutive_failures", "failing_since")[:20]
        ],
    }
    depth = metrics.queue_depth(now)
    facts["queue"] = {
        "unclaimed_matches": depth.unclaimed_matches,
        "pending": depth.pending,
        "sending": depth.sending,
        "overdue_retries": depth.overdue,
        "oldest_pending_seconds": depth.oldest_pending_age,
        "oldest_unclaimed_seconds": depth.oldest_unclaimed_age,
    }
    by_status: dict[str, int] = {}
    for (kind, status), count in metrics.recent_deliveries(since).items():
        if kind == "EVENTS":
            by_status[status] = by_status.get(status, 0) + count
    latencies = metrics.attempt_latencies(since, sample=STATUS_SAMPLE)
    facts["last_hour"] = {
        "window_seconds": window,
        "deliveries": by_status,
        "attempts": len(latencies),
        "p50_ms": metrics.percentile(latencies, 50),
        "p95_ms": metrics.percentile(latencies, 95),
    }
    return healthy, facts
