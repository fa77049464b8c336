"""Retention benchmark: purge 1,000,000 old deliveries (with their attempts, matches and
events) while another connection keeps writing.

Loads the rows into a throwaway database (see bench_console_scale.py), all older than
30 days, plus work that must survive (old PENDING / SENDING deliveries, unclaimed matches
and their events, recent deliveries). Then runs the purge the daily task runs
(hooks.ops.retention.purge, batched by primary-key ranges) and reports the total time, rows/s,
the longest single transaction, and the latency of a small write transaction issued every
20 ms by another connection meanwhile (what the workers feel).

Run:  .venv/bin/python bench/bench_purge.py [--rows 1000000] [--db sqlite|postgres]
          [--batch-size 1000] [--quick]      (--quick: 100,000 rows)
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_console_scale import bulk_load, start_django, throwaway_database
from common import machine_facts, percentile

WRITE_EVERY = 0.02
SURVIVORS = 100


class Writer(threading.Thread):
    """A small write transaction every WRITE_EVERY seconds on its own connection."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.latencies: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.db import connection
        from django.utils import timezone

        from hooks.models import Heartbeat

        try:
            while not self.stopping.is_set():
                started = time.perf_counter()
                Heartbeat.objects.update_or_create(
                    name="bench-writer", defaults={"seen_at": timezone.now()}
                )
                self.latencies.append((time.perf_counter() - started) * 1000)
                time.sleep(WRITE_EVERY)
        finally:
            connection.close()


def add_survivors(hook_id: str) -> dict[str, int]:
    """Old work in flight and recent history: none of it may be purged."""
    from datetime import timedelta

    from django.utils import timezone

    from hooks.models import Delivery, Event, OutboxEntry

    old = timezone.now() - timedelta(days=60)
    for status in ("PENDING", "SENDING"):
        rows = Delivery.objects.bulk_create(
            Delivery(hook_id=hook_id, status=status, body="{}") for _ in range(SURVIVORS)
        )
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=old)
    events = Event.objects.bulk_create(
        Event(uuid=f"waiting-{i}", published=old, event_type="user.lifecycle.create", data={})
        for i in range(SURVIVORS)
    )
    Event.objects.filter(pk__in=[e.pk for e in events]).update(created_at=old)
    OutboxEntry.objects.bulk_create(OutboxEntry(hook_id=hook_id, event=e) for e in events)
    Delivery.objects.bulk_create(
        Delivery(hook_id=hook_id, status="SUCCEEDED", body="{}") for _ in range(SURVIVORS)
    )
    return {"unfinished": 2 * SURVIVORS, "recent": SURVIVORS, "waiting events": SURVIVORS}


class Bar:
    """hooks.ops.retention.Progress on a tqdm bar."""

    def __init__(self) -> None:
        self.bar = None

    def start(self, phase: str, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=phase, unit="range", file=sys.stderr, leave=False)

    def advance(self, count: int = 1) -> None:
        self.bar.update(count)

    def finish(self) -> None:
        self.bar.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--batch-size", type=int, default=None, help="default HOOKS_PURGE_BATCH")
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    with throwaway_database(args.db) as env:
        start_django(env)
        from django.conf import settings
        from django.db import connection

        from hooks.models import Delivery, DeliveryAttempt, Event, OutboxEntry
        from hooks.ops.retention import Cutoffs, purge

        facts = machine_facts(connection.vendor, "none")
        print("Purge benchmark: " + "; ".join(f"{k} {v}" for k, v in facts.items()))
        started = time.perf_counter()
        hooks = bulk_load(rows, days_ago=(90, 31), with_events=True)
        print(
            f"loaded {rows:,} deliveries, attempts, events and matches (31-90 days old) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        kept = add_survivors(hooks[0])
        before = {
            m.__name__: m.objects.count() for m in (Delivery, DeliveryAttempt, OutboxEntry, Event)
        }
        writer = Writer()
        writer.start()
        time.sleep(0.5)
        idle = list(writer.latencies)
        batch = args.batch_size or settings.HOOKS_PURGE_BATCH
        result = purge(
            Cutoffs.from_ages(events=30 * 86400, deliveries=30 * 86400),
            batch_size=batch,
            progress=Bar(),
        )
        writer.stopping.set()
        writer.join()
        during = writer.latencies[len(idle) :]
        after = {
            m.__name__: m.objects.count() for m in (Delivery, DeliveryAttempt, OutboxEntry, Event)
        }

        print(f"\n{'table':<16} {'before':>12} {'deleted':>12} {'after':>10}")
        names = {
            "Delivery": "deliveries",
            "DeliveryAttempt": "attempts",
            "OutboxEntry": "matches",
            "Event": "events",
        }
        for model, label in names.items():
            print(
                f"{label:<16} {before[model]:>12,} {result.deleted.get(label, 0):>12,} "
                f"{after[model]:>10,}"
            )
        deleted = sum(result.deleted.get(label, 0) for label in names.values())
        print(
            f"\npurge of {result.deleted.get('deliveries', 0):,} deliveries "
            f"({connection.vendor}, batch {batch} primary keys)"
        )
        print(
            f"  total time                 {result.elapsed:8.1f} s  "
            f"({result.deleted.get('deliveries', 0) / result.elapsed:,.0f} deliveries/s, "
            f"{deleted / result.elapsed:,.0f} rows/s)"
        )
        times = [t * 1000 for t in result.transaction_times]
        print(f"  transactions               {result.batches:8,}")
        print(
            f"  transaction time           p50 {percentile(times, 50):6.1f} ms  "
            f"p95 {percentile(times, 95):6.1f} ms  longest {max(times):6.1f} ms"
        )
        print(
            f"  other writer, idle         p50 {percentile(idle, 50):6.1f} ms  "
            f"p95 {percentile(idle, 95):6.1f} ms"
        )
        print(
            f"  other writer, during purge p50 {percentile(during, 50):6.1f} ms  "
            f"p95 {percentile(during, 95):6.1f} ms  max {max(during):6.1f} ms "
            f"({len(during)} writes)"
        )
        expected = kept["unfinished"] + kept["recent"]
        assert after["Delivery"] == expected, f"{after['Delivery']} deliveries left, not {expected}"
        assert (
            after["OutboxEntry"] == kept["waiting events"]
            and after["Event"] >= kept["waiting events"]
        )
        print(
            f"  survivors                  {expected} unfinished/recent deliveries and "
            f"{kept['waiting events']} waiting events kept, as they must be"
        )


if __name__ == "__main__":
    main()
