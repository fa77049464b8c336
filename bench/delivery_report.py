"""The delivery benchmark's results (one dataclass per scenario) and the report printed
from them: the machine, the table of figures, runs, plain-loop baseline, ratios and goals,
and the details per run (see bench_delivery.py).

Not a benchmark itself (bench/run_all.py runs only bench_*.py scripts).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from common import median, percentile


# --- scenario results ---------------------------------------------------------------------
@dataclass
class Throughput:
    events: int
    delivered: int
    duplicates: int
    requests: int
    publish_seconds: float
    total_seconds: float
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.delivered / self.total_seconds if self.total_seconds > 0 else 0.0

    @property
    def publish_rate(self) -> float:
        return self.events / self.publish_seconds if self.publish_seconds > 0 else 0.0


@dataclass
class Latency:
    rate: float  # events/s sent, one per request
    sent: int
    delivered: int
    latencies_ms: list[float]
    api_ms: list[float]
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)


@dataclass
class Baseline:
    events_per_body: int
    body_bytes: int
    requests: int
    seconds: float
    times_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


# --- reporting ----------------------------------------------------------------------------
def fmt(value: float, digits: int = 0) -> str:
    if value != value:  # nan
        return "-"
    return f"{value:,.{digits}f}"


def runs_text(values: list[float], digits: int = 0) -> str:
    return " / ".join(fmt(v, digits) for v in values)


def report(facts: dict, results: dict, args: argparse.Namespace) -> None:
    print("\n== Machine")
    for key, value in facts.items():
        print(f"  {key:<22} {value}")
    kind = "sync" if args.web_threads == 1 else f"gthread, {args.web_threads} threads each"
    gunicorn = f"{args.web_workers} workers ({kind})"
    print(f"  {'web server':<22} gunicorn {gunicorn}; qcluster {args.workers} workers")
    base_small = results.get("baseline_small", [])
    base_big = results.get("baseline_big", [])
    rows: list[tuple[str, str, str, str, str, str, str]] = []

    def verdict(ok: bool) -> str:
        return "yes" if ok else "NO"

    if results.get("batched"):
        runs = results["batched"]
        rate = median([r.rate for r in runs])
        loop = median([b.rate for b in base_big])
        size = base_big[0].events_per_body if base_big else 0
        rows.append(
            (
                "a. batched (HOOKS_MAX_BATCH=50)",
                f"{fmt(rate)} events/s",
                runs_text([r.rate for r in runs]),
                f"{fmt(loop)} req/s ({size}-event bodies) = {fmt(loop * size)} events/s",
                f"{rate / loop:.2f}x req/s, {rate / (loop * size):.2f}x events/s" if loop else "-",
                ">= 5,000 events/s",
                verdict(rate >= 5000),
            )
        )
        pub = median([r.publish_rate for r in runs])
        rows.append(
            (
                "   publish only (API ingest)",
                f"{fmt(pub)} events/s",
                runs_text([r.publish_rate for r in runs]),
                "",
                "",
                "",
                "",
            )
        )
    if results.get("unbatched"):
        runs = results["unbatched"]
        rate = median([r.rate for r in runs])
        loop = median([b.rate for b in base_small])
        rows.append(
            (
                "b. unbatched (HOOKS_MAX_BATCH=1)",
                f"{fmt(rate)} deliveries/s",
                runs_text([r.rate for r in runs]),
                f"{fmt(loop)} req/s (1-event bodies)",
                f"{rate / loop:.2f}x" if loop else "-",
                ">= 0.50x loop",
                verdict(bool(loop) and rate >= 0.5 * loop),
            )
        )
    if results.get("latency"):
        runs = results["latency"]
        p50 = median([r.p50 for r in runs])
        p99 = median([r.p99 for r in runs])
        loop50 = median([percentile(b.times_ms, 50) for b in base_small])
        loop99 = median([percentile(b.times_ms, 99) for b in base_small])
        rows.append(
            (
                f"c. latency p50 ({fmt(runs[0].rate)} ev/s)",
                f"{fmt(p50, 1)} ms",
                runs_text([r.p50 for r in runs], 1),
                f"{fmt(loop50, 2)} ms per request",
                f"{p50 / loop50:.0f}x" if loop50 else "-",
                "<= 50 ms",
                verdict(p50 <= 50),
            )
        )
        rows.append(
            (
                "   latency p99",
                f"{fmt(p99, 1)} ms",
                runs_text([r.p99 for r in runs], 1),
                f"{fmt(loop99, 2)} ms per request",
                f"{p99 / loop99:.0f}x" if loop99 else "-",
                "<= 250 ms",
                verdict(p99 <= 250),
            )
        )
        api50 = median([percentile(r.api_ms, 50) for r in runs])
        rows.append(
            (
                "   API POST time p50 (1 event)",
                f"{fmt(api50, 1)} ms",
                runs_text([percentile(r.api_ms, 50) for r in runs], 1),
                "",
                "",
                "",
                "",
            )
        )
    for base in (base_small, base_big):
        if base:
            rows.append(
                (
                    f"d. plain loop, {base[0].events_per_body}-event bodies "
                    f"({fmt(base[0].body_bytes / 1024, 1)} KB)",
                    f"{fmt(median([b.rate for b in base]))} req/s",
                    runs_text([b.rate for b in base]),
                    "",
                    "",
                    "",
                    "",
                )
            )
    headings = (
        "scenario",
        "figure (median)",
        "runs",
        "plain loop, same run",
        "ratio",
        "goal",
        "met",
    )
    widths = (
        [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headings)]
        if rows
        else [len(h) for h in headings]
    )
    print("\n== Figures")
    print("  " + " | ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True)))
    print("  " + "-+-".join("-" * w for w in widths))
    for row in rows:
        print("  " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    for name in ("batched", "unbatched"):
        for run in results.get(name, []):
            if run.delivered < run.events or run.duplicates:
                print(
                    f"  note: {name}: received {run.delivered} of {run.events} events, "
                    f"{run.duplicates} duplicates"
                )
    for run in results.get("latency", []):
        if run.delivered < run.sent:
            print(f"  note: latency: received {run.delivered} of {run.sent} events")
    details = []
    for name in ("batched", "unbatched"):
        for run in results.get(name, []):
            details.append(
                f"{name}: {run.events} events in {run.requests} deliveries, "
                f"publish {run.publish_seconds:.2f} s, end to end "
                f"{run.total_seconds:.2f} s"
            )
    for name in ("batched", "unbatched", "latency"):
        for run in results.get(name, []):
            count = run.events if name != "latency" else run.sent
            parts = ", ".join(f"{k} {v * 1e6 / count:,.0f}" for k, v in run.cpu.items())
            details.append(f"{name}: CPU us per event: {parts}")
    if details:
        print("\n== Runs")
        for line in details:
            print(f"  {line}")
