"""Worker heartbeats: cluster processes write Heartbeat rows; /healthz and hooks_status read them.

A worker beats when it spawns and, at most every BEAT_EVERY seconds, before a task. The
sweep schedule runs a task every minute, so an idle but healthy cluster still beats about
once a minute; the `sweep` row additionally proves that the scheduler is alive.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from hooks.models import Heartbeat

logger = logging.getLogger(__name__)

WORKER_PREFIX = "worker@"
SWEEP = "sweep"
SWEEP_TASK = "hooks.tasks.sweep"
BEAT_EVERY = 10.0  # seconds between two writes of one process: a few rows a minute at most
# Without any heartbeat, a web process younger than this says "starting" rather than 503.
STARTUP_GRACE = 300.0
# The sweep runs every minute; three missed runs mean the scheduler is not running.
SWEEP_STALE = 180.0

_process_started = time.monotonic()
_last_beat: dict[str, float] = {}


def worker_name() -> str:
    """This machine's heartbeat row: one per host, so restarts and recycling add no rows."""
    return f"{WORKER_PREFIX}{socket.gethostname()}"[:100]


def beat(name: str, *, every: float = BEAT_EVERY) -> bool:
    """Record that `name` is alive now (at most once per `every` s per process); never raises."""
    now_mono = time.monotonic()
    last = _last_beat.get(name)
    if every and last is not None and now_mono - last < every:
        return False
    _last_beat[name] = now_mono
    now = timezone.now()
    try:
        # A savepoint: a failed write must not poison a caller's transaction (PostgreSQL).
        with transaction.atomic():
            if not Heartbeat.objects.filter(name=name).update(seen_at=now):
                Heartbeat.objects.create(name=name, seen_at=now)
    except DatabaseError:  # includes the IntegrityError of two first beats at once
        _last_beat.pop(name, None)
        logger.warning("could not record heartbeat %s", name, exc_info=True)
        return False
    return True


def on_worker_spawn(proc_name: str) -> None:
    """django-q2 post_spawn: a worker process started."""
    if proc_name == "MainProcess":
        return  # sync mode runs "workers" inline in the caller: not a cluster
    beat(worker_name(), every=0)


def on_task(task: dict) -> None:
    """django-q2 pre_execute: a worker is about to run `task`."""
    if task.get("sync"):
        return
    beat(worker_name())
    if task.get("func") == SWEEP_TASK:
        beat(SWEEP, every=0)


@dataclass(frozen=True)
class Liveness:
    """How recently something was seen: state is ok, stale, starting, missing or dead."""

    state: str
    age_seconds: float | None
    name: str | None = None
    seen_at: datetime | None = None

    @property
    def healthy(self) -> bool:
        return self.state in ("ok", "stale", "starting")


def _latest(**filters) -> Heartbeat | None:
    return Heartbeat.objects.filter(**filters).order_by("-seen_at").first()


def worker_liveness(now: datetime | None = None) -> Liveness:
    """The newest worker heartbeat of any host, judged against the STALE and DEAD settings."""
    now = now or timezone.now()
    row = _latest(name__startswith=WORKER_PREFIX)
    if row is None:
        young = time.monotonic() - _process_started < STARTUP_GRACE
        return Liveness("starting" if young else "missing", None)
    age = max(0.0, (now - row.seen_at).total_seconds())
    if age <= settings.HOOKS_HEARTBEAT_STALE:
        state = "ok"
    elif age <= settings.HOOKS_HEARTBEAT_DEAD:
        state = "stale"
    else:
        state = "dead"
    return Liveness(state, age, row.name, row.seen_at)


def sweep_liveness(now: datetime | None = None) -> Liveness:
    """When the scheduled sweep last started on a worker (informational: never a 503)."""
    now = now or timezone.now()
    row = _latest(name=SWEEP)
    if row is None:
        return Liveness("missing", None)
    age = max(0.0, (now - row.seen_at).total_seconds())
    return Liveness("ok" if age <= SWEEP_STALE else "stale", age, row.name, row.seen_at)


def forget_old(older_than: timedelta = timedelta(days=7)) -> int:
    """Delete heartbeats of hosts gone for a week (retention); return how many."""
    deleted, _ = Heartbeat.objects.filter(seen_at__lt=timezone.now() - older_than).delete()
    return deleted


def reset_process_state() -> None:
    """Forget the in-process throttle (tests)."""
    _last_beat.clear()
