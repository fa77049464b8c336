"""Retention: delete old deliveries, attempts and events in small primary-key ranges.

Each range is one short transaction, so workers keep writing while a purge runs (on
SQLite the purge also pauses as long as each transaction took: it takes at most half of
the single write lock). Work in flight is never touched: PENDING and SENDING deliveries,
unclaimed matches, and events that an unclaimed match or an unfinished delivery still
needs stay, whatever their age.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.models import Task

from hooks.models import Delivery, DeliveryAttempt, Event, OutboxEntry
from hooks.ops.heartbeat import forget_old

FINISHED = (Delivery.Status.SUCCEEDED, Delivery.Status.FAILED)
# Ids per statement stay well under SQLite's 32,766 bound parameters.
MAX_BATCH = 10_000
UNFINISHED = (Delivery.Status.PENDING, Delivery.Status.SENDING)


class Progress(Protocol):
    """What a purge reports to: a phase with a number of ranges, then one tick per range."""

    def start(self, phase: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...

    def finish(self) -> None: ...


class _Silent:
    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True)
class Cutoffs:
    """Rows created before these moments may go."""

    events: datetime
    deliveries: datetime
    attempts: datetime

    @classmethod
    def from_ages(
        cls,
        *,
        events: float | None = None,
        deliveries: float | None = None,
        attempts: float | None = None,
        now: datetime | None = None,
    ) -> Cutoffs:
        """Cutoffs from ages in seconds; settings fill the gaps. Attempts never outlive
        their deliveries (they are deleted with them)."""
        now = now or timezone.now()
        events = settings.HOOKS_RETENTION_EVENTS if events is None else events
        deliveries = settings.HOOKS_RETENTION_DELIVERIES if deliveries is None else deliveries
        attempts = settings.HOOKS_RETENTION_ATTEMPTS if attempts is None else attempts
        return cls(
            events=now - timedelta(seconds=events),
            deliveries=now - timedelta(seconds=deliveries),
            attempts=now - timedelta(seconds=min(attempts, deliveries)),
        )


@dataclass
class PurgeResult:
    """What a purge deleted (or, dry, would delete) and how long it held the database."""

    dry_run: bool = False
    deleted: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    longest_transaction: float = 0.0  # seconds
    transaction_times: list[float] = field(default_factory=list, repr=False)  # seconds
    elapsed: float = 0.0
    complete: bool = True

    def add(self, model: str, count: int) -> None:
        self.deleted[model] = self.deleted.get(model, 0) + count

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {name}" for name, n in sorted(self.deleted.items())) or "nothing"
        verb = "would delete" if self.dry_run else "deleted"
        tail = "" if self.complete else " (time budget reached; the rest goes next run)"
        return (
            f"purge {verb} {counts} in {self.elapsed:.1f} s, {self.batches} transactions, "
            f"longest {self.longest_transaction * 1000:.0f} ms{tail}"
        )


class _Budget(Exception):
    """The time budget ran out."""


class _Purge:
    def __init__(
        self,
        cutoffs: Cutoffs,
        *,
        batch_size: int,
        dry_run: bool,
        progress: Progress,
        deadline: float | None,
    ):
        self.cutoffs = cutoffs
        self.batch = max(1, min(batch_size, MAX_BATCH))
        self.dry_run = dry_run
        self.progress = progress
        self.deadline = deadline
        self.result = PurgeResult(dry_run=dry_run)
        self.yield_lock = connection.vendor == "sqlite"

    # -- ranges ------------------------------------------------------------------------
    def ranges(self, phase: str, model: type[Delivery | Event], cutoff: datetime):
        """Yield [low, high) primary-key ranges covering rows created before `cutoff`."""
        first = model.objects.order_by("pk").values_list("pk", flat=True).first()
        if first is None:
            return
        last = _last_pk_before(model, cutoff)
        if last is None:
            return
        steps = range(first, last + 1, self.batch)
        self.progress.start(phase, len(steps))
        try:
            for low in steps:
                if self.deadline is not None and time.monotonic() > self.deadline:
                    raise _Budget
                yield low, low + self.batch
                self.progress.advance()
        finally:
            self.progress.finish()

    def transaction(self, work) -> None:
        """Run `work()` in one timed transaction; on SQLite, then leave the lock as long."""
        if self.dry_run:
            work()  # counts only: no transaction (on SQLite it would take the write lock)
            return
        started = time.perf_counter()
        with transaction.atomic():
            work()
        took = time.perf_counter() - started
        self.result.batches += 1
        self.result.longest_transaction = max(self.result.longest_transaction, took)
        self.result.transaction_times.append(took)
        if self.yield_lock:
            time.sleep(min(took, 0.25))

    # -- phases ------------------------------------------------------------------------
    def attempts(self) -> None:
        """Attempts of finished deliveries older than the attempts cutoff (tiered retention)."""
        cutoff = self.cutoffs.attempts
        if cutoff <= self.cutoffs.deliveries:
            return  # same age: they go with their deliveries
        for low, high in self.ranges("attempts", Delivery, cutoff):
            owners = Delivery.objects.filter(
                pk__gte=low, pk__lt=high, created_at__lt=cutoff, status__in=FINISHED
            ).values("pk")
            rows = DeliveryAttempt.objects.filter(delivery__in=owners)
            self.transaction(lambda rows=rows: self.delete("attempts", rows))

    def deliveries(self) -> None:
        """Finished deliveries older than the cutoff, with their attempts and claimed matches."""
        cutoff = self.cutoffs.deliveries
        for low, high in self.ranges("deliveries", Delivery, cutoff):
            self.transaction(lambda low=low, high=high: self._deliveries(low, high, cutoff))

    def _deliveries(self, low: int, high: int, cutoff: datetime) -> None:
        ids = list(
            Delivery.objects.filter(
                pk__gte=low, pk__lt=high, created_at__lt=cutoff, status__in=FINISHED
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return
        # OutboxEntry.delivery is SET_NULL: deleting a delivery first would turn its matches
        # back into unclaimed outbox rows, and they would be delivered again.
        self.delete("matches", OutboxEntry.objects.filter(delivery_id__in=ids))
        self.delete("attempts", DeliveryAttempt.objects.filter(delivery_id__in=ids))
        if not self.dry_run:
            # The range lets SQLite use the index although nearly every value is NULL.
            Delivery.objects.filter(
                redelivery_of_id__gte=ids[0],
                redelivery_of_id__lte=ids[-1],
                redelivery_of_id__in=ids,
            ).update(redelivery_of=None)
        self.delete("deliveries", Delivery.objects.filter(pk__in=ids), raw=True)

    def events(self) -> None:
        """Events older than the cutoff that no unclaimed match or unfinished delivery needs."""
        cutoff = self.cutoffs.events
        for low, high in self.ranges("events", Event, cutoff):
            self.transaction(lambda low=low, high=high: self._events(low, high, cutoff))

    def _events(self, low: int, high: int, cutoff: datetime) -> None:
        needed = OutboxEntry.objects.filter(event_id__gte=low, event_id__lt=high).filter(
            Q(delivery__isnull=True) | Q(delivery__status__in=UNFINISHED)
        )
        # One list for both statements: a match deleted must belong to an event deleted.
        ids = list(
            Event.objects.filter(pk__gte=low, pk__lt=high, created_at__lt=cutoff)
            .exclude(pk__in=needed.values("event_id"))
            .values_list("pk", flat=True)
        )
        if not ids:
            return
        matches = OutboxEntry.objects.filter(event_id__in=ids)
        if self.dry_run:  # those of purged deliveries were counted with them
            matches = matches.exclude(
                delivery__status__in=FINISHED, delivery__created_at__lt=self.cutoffs.deliveries
            )
        self.delete("matches", matches)
        self.delete("events", Event.objects.filter(pk__in=ids), raw=True)

    def tasks(self) -> None:
        """django-q2's saved task results (failures) older than the deliveries cutoff."""
        if self.dry_run:
            self.result.add(
                "tasks", Task.objects.filter(stopped__lt=self.cutoffs.deliveries).count()
            )
            return
        while True:
            if self.deadline is not None and time.monotonic() > self.deadline:
                raise _Budget
            ids = list(
                Task.objects.filter(stopped__lt=self.cutoffs.deliveries).values_list(
                    "pk", flat=True
                )[: self.batch]
            )
            if not ids:
                return
            self.transaction(lambda ids=ids: self.delete("tasks", Task.objects.filter(pk__in=ids)))

    def delete(self, name: str, rows, *, raw: bool = False) -> None:
        if self.dry_run:
            self.result.add(name, rows.count())
            return
        if raw:
            # Every dependant is gone already: one DELETE, instead of the collector's
            # statements of 100 ids each and its second look at every relation.
            self.result.add(name, rows._raw_delete(rows.db))
            return
        _, per_model = rows.delete()
        for label, count in per_model.items():
            self.result.add(_NAMES.get(label, label), count)


_NAMES = {
    "hooks.Delivery": "deliveries",
    "hooks.DeliveryAttempt": "attempts",
    "hooks.OutboxEntry": "matches",
    "hooks.Event": "events",
    "django_q.Task": "tasks",
    "django_q.Failure": "tasks",
    "django_q.Success": "tasks",
}


def _last_pk_before(model: type[Delivery | Event], cutoff: datetime) -> int | None:
    """The highest pk whose row was created before `cutoff`, by binary search on the pk
    (created_at grows with the pk; Event has no created_at index, the pk is enough)."""

    def created_from(pk: int):
        return (
            model.objects.filter(pk__gte=pk).order_by("pk").values_list("pk", "created_at").first()
        )

    first = created_from(0)
    if first is None or first[1] >= cutoff:
        return None
    # Not None: the table has a row (`first`).
    last_pk = cast(int, model.objects.order_by("-pk").values_list("pk", flat=True).first())
    if created_from(last_pk)[1] < cutoff:
        return last_pk
    low, high = first[0], last_pk  # created_from(low) < cutoff <= created_from(high)
    while high - low > 1:
        middle = (low + high) // 2
        if created_from(middle)[1] < cutoff:
            low = middle
        else:
            high = middle
    return created_from(low)[0]


def purge(
    cutoffs: Cutoffs,
    *,
    batch_size: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    max_seconds: float | None = None,
) -> PurgeResult:
    """Delete (or count, when dry) everything older than `cutoffs`, range by range."""
    started = time.monotonic()
    job = _Purge(
        cutoffs,
        batch_size=batch_size or settings.HOOKS_PURGE_BATCH,
        dry_run=dry_run,
        progress=progress or _Silent(),
        deadline=started + max_seconds if max_seconds else None,
    )
    try:
        job.attempts()
        job.deliveries()
        job.events()
        job.tasks()
        if not dry_run:
            job.result.add("heartbeats", forget_old())
    except _Budget:
        job.result.complete = False
    job.result.elapsed = time.monotonic() - started
    return job.result


def scheduled_purge() -> PurgeResult:
    """The daily job: settings' retention, bounded well inside the task's timeout."""
    return purge(Cutoffs.from_ages(), max_seconds=PURGE_TASK_SECONDS)


# The schedule gives the purge task this timeout; the purge stops ~10 minutes before it.
PURGE_TASK_TIMEOUT = 3600
PURGE_TASK_SECONDS = PURGE_TASK_TIMEOUT - 600
