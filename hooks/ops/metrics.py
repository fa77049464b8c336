"""Prometheus metrics, computed from the database at scrape time.

Web and worker processes are separate, so in-process counters would each see a part and
reset on every restart. Instead a custom collector reads the database with cheap queries
that use existing indexes: the highest ids as monotonic totals (purges never lower them),
"recent" gauges over HOOKS_METRICS_WINDOW (deliveries by their created_at index, attempts
by a bounded primary-key range), queue gauges through the partial indexes on unclaimed
matches and PENDING / SENDING deliveries, and one row per hook.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
)

from hooks.models import Delivery, DeliveryAttempt, Event, EventHook, Heartbeat, OutboxEntry, Source

# Attempts considered for "recent" figures: the newest this many rows at most, so that a
# scrape reads a bounded primary-key range whatever the traffic.
ATTEMPT_SAMPLE = 10_000
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A due retry the sweeper (every minute) has not picked up after this long is stuck.
OVERDUE_AFTER = timedelta(minutes=2)


# --- reads shared with hooks_status ---------------------------------------------------
@dataclass(frozen=True)
class QueueDepth:
    unclaimed_matches: int
    pending: int
    sending: int
    overdue: int
    oldest_pending_age: float | None
    oldest_unclaimed_age: float | None


def _age(now: datetime, moment: datetime | None) -> float | None:
    return None if moment is None else max(0.0, (now - moment).total_seconds())


def queue_depth(now: datetime | None = None) -> QueueDepth:
    """Work waiting: outbox rows, PENDING / SENDING deliveries and the oldest of each."""
    now = now or timezone.now()
    unclaimed = OutboxEntry.objects.filter(delivery__isnull=True)
    oldest_match = unclaimed.order_by("id").values_list("created_at", flat=True).first()
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    sending = Delivery.objects.filter(status=Delivery.Status.SENDING)
    pending_stats = pending.aggregate(n=Count("id"), oldest=Min("created_at"))
    sending_stats = sending.aggregate(n=Count("id"), oldest=Min("created_at"))
    oldest = [m for m in (pending_stats["oldest"], sending_stats["oldest"]) if m is not None]
    return QueueDepth(
        unclaimed_matches=unclaimed.count(),
        pending=pending_stats["n"],
        sending=sending_stats["n"],
        overdue=pending.filter(next_attempt_at__lt=now - OVERDUE_AFTER).count(),
        oldest_pending_age=_age(now, min(oldest)) if oldest else None,
        oldest_unclaimed_age=_age(now, oldest_match),
    )


def totals() -> dict[str, int]:
    """Highest ids: events stored, deliveries and attempts made since the install."""
    return {
        "events": Event.objects.aggregate(n=Max("id"))["n"] or 0,
        "deliveries": Delivery.objects.aggregate(n=Max("id"))["n"] or 0,
        "attempts": DeliveryAttempt.objects.aggregate(n=Max("id"))["n"] or 0,
    }


def recent_deliveries(since: datetime) -> dict[tuple[str, str], int]:
    """{(kind, status): count} of deliveries created since `since` (created_at index)."""
    rows = (
        Delivery.objects.filter(created_at__gte=since)
        .values_list("kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(kind, status): n for kind, status, n in rows}


def recent_attempts(since: datetime, *, sample: int = ATTEMPT_SAMPLE):
    """Attempts started since `since`, among the newest `sample` rows (a pk range scan)."""
    newest = DeliveryAttempt.objects.aggregate(n=Max("id"))["n"] or 0
    return DeliveryAttempt.objects.filter(id__gt=newest - sample, started_at__gte=since)


def attempt_latencies(since: datetime, *, sample: int = ATTEMPT_SAMPLE) -> list[float]:
    """Durations in ms of finished recent attempts, sorted (for percentiles)."""
    rows = recent_attempts(since, sample=sample).filter(duration_ms__isnull=False)
    return sorted(rows.values_list("duration_ms", flat=True))


def percentile(ordered: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of sorted values; None for none."""
    if not ordered:
        return None
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- the collector --------------------------------------------------------------------
class HooksCollector:
    """Every metric of the console, read from the database on each scrape."""

    def describe(self):
        return []  # no queries when registering

    def collect(self):
        started = time.perf_counter()
        now = timezone.now()
        window = float(settings.HOOKS_METRICS_WINDOW)
        since = now - timedelta(seconds=window)
        yield from self._totals()
        yield from self._recent(since, window)
        yield from self._queue(now)
        yield from self._hooks(now)
        yield from self._sources(now)
        yield from self._heartbeats(now)
        yield GaugeMetricFamily(
            "hooks_metrics_scrape_duration_seconds",
            "Time spent reading these metrics from the database.",
            value=time.perf_counter() - started,
        )

    def _totals(self):
        counts = totals()
        yield CounterMetricFamily(
            "hooks_events_published",
            "Events stored in the System Log (highest id: retention purges do not lower it).",
            value=counts["events"],
        )
        yield CounterMetricFamily(
            "hooks_deliveries_created",
            "Deliveries created (highest id).",
            value=counts["deliveries"],
        )
        yield CounterMetricFamily(
            "hooks_delivery_attempts",
            "Delivery attempts made (highest id).",
            value=counts["attempts"],
        )

    def _recent(self, since: datetime, window: float):
        yield GaugeMetricFamily(
            "hooks_metrics_window_seconds",
            "Time covered by the hooks_recent_* metrics.",
            value=window,
        )
        deliveries = GaugeMetricFamily(
            "hooks_recent_deliveries",
            "Deliveries created within the window, by kind and current status.",
            labels=["kind", "status"],
        )
        found = recent_deliveries(since)
        for kind in Delivery.Kind.values:
            for status in Delivery.Status.values:
                deliveries.add_metric([kind, status], found.get((kind, status), 0))
        yield deliveries
        attempts = recent_attempts(since)
        outcome_counts = dict(attempts.values_list("outcome").annotate(n=Count("id")).order_by())
        by_outcome = GaugeMetricFamily(
            "hooks_recent_delivery_attempts",
            "Attempts started within the window, by outcome.",
            labels=["outcome"],
        )
        for outcome in DeliveryAttempt.Outcome.values:
            by_outcome.add_metric([outcome], outcome_counts.get(outcome, 0))
        yield by_outcome
        finished = attempts.filter(duration_ms__isnull=False)
        aggregates = {
            f"le_{i}": Count("id", filter=Q(duration_ms__lte=bound * 1000))
            for i, bound in enumerate(LATENCY_BUCKETS)
        }
        stats = finished.aggregate(total=Count("id"), ms=Sum("duration_ms"), **aggregates)
        buckets = [(str(bound), stats[f"le_{i}"]) for i, bound in enumerate(LATENCY_BUCKETS)]
        buckets.append(("+Inf", stats["total"]))
        yield GaugeHistogramMetricFamily(
            "hooks_delivery_attempt_duration_seconds",
            "Duration of the attempts finished within the window (newest "
            f"{ATTEMPT_SAMPLE} at most); use histogram_quantile() on the buckets directly.",
            buckets=buckets,
            gsum_value=(stats["ms"] or 0.0) / 1000,
        )

    def _queue(self, now: datetime):
        depth = queue_depth(now)
        yield GaugeMetricFamily(
            "hooks_queue_unclaimed_matches",
            "Events matched to a hook and not yet in a delivery (outbox).",
            value=depth.unclaimed_matches,
        )
        queued = GaugeMetricFamily(
            "hooks_queue_deliveries",
            "Deliveries not finished: PENDING (waiting for a retry) or SENDING (on a worker).",
            labels=["status"],
        )
        queued.add_metric(["PENDING"], depth.pending)
        queued.add_metric(["SENDING"], depth.sending)
        yield queued
        yield GaugeMetricFamily(
            "hooks_queue_overdue_retries",
            "PENDING deliveries whose retry is more than 2 minutes late (is the sweeper running?).",
            value=depth.overdue,
        )
        yield GaugeMetricFamily(
            "hooks_oldest_pending_delivery_age_seconds",
            "Age of the oldest PENDING or SENDING delivery (0 when none).",
            value=depth.oldest_pending_age or 0.0,
        )
        yield GaugeMetricFamily(
            "hooks_oldest_unclaimed_match_age_seconds",
            "Age of the oldest event waiting in the outbox (0 when none).",
            value=depth.oldest_unclaimed_age or 0.0,
        )

    def _hooks(self, now: datetime):
        labels = ["hook_id", "hook_name"]
        failures = GaugeMetricFamily(
            "hooks_hook_consecutive_failures",
            "Failed attempts since the hook's last success.",
            labels=labels,
        )
        deliverable = GaugeMetricFamily(
            "hooks_hook_deliverable", "1 when the hook is ACTIVE and VERIFIED.", labels=labels
        )
        last_success = GaugeMetricFamily(
            "hooks_hook_last_success_timestamp_seconds",
            "Unix time of the hook's last successful delivery (0 when never).",
            labels=labels,
        )
        waiting = GaugeMetricFamily(
            "hooks_hook_unclaimed_matches",
            "Events waiting in the outbox for this hook.",
            labels=labels,
        )
        by_state = GaugeMetricFamily(
            "hooks_hooks",
            "Hooks by status and verification status.",
            labels=["status", "verification"],
        )
        unclaimed = dict(
            OutboxEntry.objects.filter(delivery__isnull=True)
            .values_list("hook_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        states: dict[tuple[str, str], int] = {}
        rows = EventHook.objects.order_by("name").values_list(
            "id",
            "name",
            "status",
            "verification_status",
            "consecutive_failures",
            "last_success_at",
        )
        for hook_id, name, status, verification, failed, success_at in rows:
            key = [hook_id, name]
            failures.add_metric(key, failed)
            deliverable.add_metric(key, int(status == "ACTIVE" and verification == "VERIFIED"))
            last_success.add_metric(key, success_at.timestamp() if success_at else 0.0)
            waiting.add_metric(key, unclaimed.get(hook_id, 0))
            states[(status, verification)] = states.get((status, verification), 0) + 1
        for (status, verification), count in sorted(states.items()):
            by_state.add_metric([status, verification], count)
        yield from (failures, deliverable, last_success, waiting, by_state)

    def _sources(self, now: datetime):
        labels = ["source_id", "source_name", "type"]
        received = CounterMetricFamily(
            "hooks_source_events_received",
            "Events a source stored in the System Log (duplicates not counted).",
            labels=labels,
        )
        errors = CounterMetricFamily(
            "hooks_source_errors",
            "Failures of a source: System Log pages not read, events refused.",
            labels=labels,
        )
        lag = GaugeMetricFamily(
            "hooks_source_lag_seconds",
            "System Log readers: seconds between now and the newest event read, or the "
            "last empty page (caught up then), whichever is later.",
            labels=labels,
        )
        active = GaugeMetricFamily(
            "hooks_source_active", "1 when the source is ACTIVE.", labels=labels
        )
        for source in Source.objects.order_by("name"):
            key = [source.id, source.name, source.type]
            received.add_metric(key, source.events_received)
            errors.add_metric(key, source.errors_total)
            active.add_metric(key, int(source.status == Source.Status.ACTIVE))
            reader = source.type == Source.Type.OKTA_SYSTEM_LOG
            behind = source.lag_seconds(now) if reader else None
            if behind is not None:
                lag.add_metric(key, behind)
        yield from (received, errors, lag, active)

    def _heartbeats(self, now: datetime):
        ages = GaugeMetricFamily(
            "hooks_heartbeat_age_seconds",
            "Seconds since a worker host (worker@<host>), the scheduled sweep (sweep) or, "
            "without HOOKS_ORG_URL, a development web server (web@<url>) was last seen.",
            labels=["name"],
        )
        for name, seen_at in Heartbeat.objects.values_list("name", "seen_at"):
            ages.add_metric([name], max(0.0, (now - seen_at).total_seconds()))
        yield ages


_registry: CollectorRegistry | None = None


def registry() -> CollectorRegistry:
    """This process's registry: only our collector (no per-process Python metrics)."""
    global _registry
    if _registry is None:
        fresh = CollectorRegistry()
        fresh.register(HooksCollector())
        _registry = fresh
    return _registry


def exposition() -> bytes:
    """The text exposition of every metric."""
    return generate_latest(registry())
