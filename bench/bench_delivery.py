"""End-to-end delivery benchmark: publish through the API -> received by a local receiver.

Starts its own throwaway stack (database, gunicorn, `manage.py qcluster`) and a receiver in
a separate process, then measures:

  batched     N events published 100 per request; events/s from the first publish to the
              receipt of the last event (HOOKS_MAX_BATCH=50, the default)
  unbatched   the same with HOOKS_MAX_BATCH=1: deliveries/s
  latency     a steady 50 events/s, one event per request; publish->receipt p50/p99
  baseline    in the same run, a plain requests.Session loop posting the same envelope
              bodies to the same receiver: requests/s and per-request time, and the ratio
              of each figure above to it

Run:  .venv/bin/python bench/bench_delivery.py [--events N] [--workers 3]
          [--db sqlite|postgres] [--scenario all|batched|unbatched|latency] [--quick]
PostgreSQL: DATABASE_URL=postgresql://... (a throwaway database is created in that server
and dropped), and HOOKS_REDIS_URL=redis://... for the Redis broker.
HOOKS_* tuning variables in the environment (e.g. HOOKS_Q_BULK=20) reach the stack.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_facts, process_cpu_seconds, speed_probe
from delivery_report import Baseline, Latency, Throughput, report
from receiver_process import ReceiverProcess
from stack import BENCH_EVENT_TYPE, Stack

EVENTS_PER_REQUEST = 100
PUBLISH_CLIENTS = 3
LATENCY_RATE = 50.0


# --- events -------------------------------------------------------------------------------
def make_event(tag: str, seq: int, sent_at: float | None = None) -> dict:
    """A realistic LogEvent (~1 KB once normalized) tagged with the run and a sequence."""
    debug = {"benchRun": tag, "seq": seq, "requestId": f"bench{seq:012d}"}
    if sent_at is not None:
        debug["benchSentAt"] = sent_at
    return {
        "eventType": BENCH_EVENT_TYPE,
        "uuid": f"{tag}-{seq}",
        "actor": {
            "id": f"00u{seq:017d}",
            "type": "User",
            "alternateId": f"user{seq}@example.com",
            "displayName": f"User {seq}",
        },
        "client": {
            "ipAddress": "203.0.113.7",
            "device": "Computer",
            "zone": "null",
            "userAgent": {
                "rawUserAgent": "Mozilla/5.0 (X11; Linux x86_64) bench",
                "os": "Linux",
                "browser": "FIREFOX",
            },
        },
        "outcome": {"result": "SUCCESS", "reason": None},
        "target": [
            {
                "id": f"00u{seq:017d}",
                "type": "User",
                "alternateId": f"user{seq}@example.com",
                "displayName": f"User {seq}",
            }
        ],
        "debugContext": {"debugData": debug},
    }


# --- the bench ----------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, stack: Stack, receiver: ReceiverProcess):
        self.args = args
        self.stack = stack
        self.receiver = receiver
        self.token = ""
        self.api = f"{stack.web_url}/api/v1/events"
        self._cluster_env: dict[str, str] | None = None

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"SSWS {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far per component (for a difference over a scenario)."""
        return {
            **self.stack.cpu_seconds(),
            "receiver": process_cpu_seconds(self.receiver.process.pid),
            "client": time.process_time(),
        }

    @staticmethod
    def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {key: after[key] - before[key] for key in after}

    def cluster(self, **env: str) -> None:
        """(Re)start the qcluster when the scenario needs other settings than the running one."""
        if self._cluster_env != env or self.stack.cluster is None:
            self.stack.start_cluster(**env)
            self._cluster_env = env

    # -- a: batched / b: unbatched
    def throughput(self, count: int, max_batch: int) -> Throughput:
        self.cluster(HOOKS_MAX_BATCH=str(max_batch))
        tag = f"t{max_batch}-{secrets.token_hex(4)}"
        self.receiver.reset(tag)
        bodies = [
            json.dumps([make_event(tag, seq) for seq in range(start, stop)]).encode()
            for start in range(0, count, EVENTS_PER_REQUEST)
            for stop in [min(start + EVENTS_PER_REQUEST, count)]
        ]
        pending = iter(range(len(bodies)))
        lock = threading.Lock()
        errors: list[str] = []

        def publisher() -> None:
            with requests.Session() as session:
                while True:
                    with lock:
                        index = next(pending, None)
                    if index is None or errors:
                        return
                    try:
                        response = session.post(
                            self.api, data=bodies[index], headers=self.headers(), timeout=60
                        )
                    except requests.RequestException as exc:
                        errors.append(str(exc))
                        return
                    if response.status_code != 200:
                        errors.append(f"HTTP {response.status_code}: {response.text[:300]}")
                        return

        threads = [threading.Thread(target=publisher, daemon=True) for _ in range(PUBLISH_CLIENTS)]
        cpu_before = self.cpu()
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        published = time.time()
        if errors:
            raise RuntimeError(f"publishing failed: {errors[0]}")
        timeout = max(60.0, count / 100)
        stats = self.receiver.wait_for(count, timeout)
        cpu = self.cpu_used(cpu_before, self.cpu())
        last = stats["last"] or time.time()
        return Throughput(
            events=count,
            delivered=stats["unique"],
            duplicates=stats["duplicates"],
            requests=stats["requests"],
            publish_seconds=published - started,
            total_seconds=last - started,
            cpu=cpu,
        )

    # -- c: latency at a steady rate, one event per request
    def latency(self, seconds: float, rate: float = LATENCY_RATE) -> Latency:
        self.cluster(HOOKS_MAX_BATCH="50")
        tag = f"l-{secrets.token_hex(4)}"
        self.receiver.reset(tag)
        total = int(seconds * rate)
        senders = 4
        api_ms: list[float] = []
        errors: list[str] = []
        start = time.monotonic() + 0.2

        def sender(offset: int) -> None:
            with requests.Session() as session:
                for seq in range(offset, total, senders):
                    delay = start + seq / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    began = time.perf_counter()
                    body = json.dumps(make_event(tag, seq, sent_at=time.time()))
                    try:
                        response = session.post(
                            self.api, data=body, headers=self.headers(), timeout=30
                        )
                    except requests.RequestException as exc:
                        errors.append(str(exc))
                        continue
                    api_ms.append((time.perf_counter() - began) * 1000)
                    if response.status_code != 200:
                        errors.append(f"HTTP {response.status_code}: {response.text[:300]}")

        threads = [threading.Thread(target=sender, args=(k,), daemon=True) for k in range(senders)]
        cpu_before = self.cpu()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError(f"publishing failed ({len(errors)}x): {errors[0]}")
        self.receiver.wait_for(total, 30)
        cpu = self.cpu_used(cpu_before, self.cpu())
        stats = self.receiver.stats(latencies=True)
        return Latency(
            rate=rate,
            sent=total,
            delivered=stats["unique"],
            latencies_ms=[x * 1000 for x in stats["latencies"]],
            api_ms=api_ms,
            cpu=cpu,
        )

    # -- d: the plain loop
    def baseline(self, seconds: float) -> dict[int, Baseline]:
        """A plain requests.Session loop posting the bodies the receiver got, per size."""
        self.stack.stop_cluster()
        self._cluster_env = None
        results: dict[int, Baseline] = {}
        samples = self.receiver.samples()
        sizes = sorted({size for size in samples if size})
        if not sizes:
            return results
        keep = {
            "accept",
            "content-type",
            "user-agent",
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
        }
        for size in sizes if len(sizes) <= 2 else [sizes[0], sizes[-1]]:
            raw_headers, body = samples[size]
            headers = {k: v for k, v in raw_headers.items() if k.lower() in keep}
            times: list[float] = []
            with requests.Session() as session:
                for _ in range(20):  # warm up the connection
                    session.post(self.receiver.baseline_url, data=body, headers=headers)
                began = time.perf_counter()
                deadline = began + seconds
                count = 0
                while True:
                    t = time.perf_counter()
                    if t >= deadline:
                        break
                    response = session.post(
                        self.receiver.baseline_url, data=body, headers=headers, timeout=10
                    )
                    response.content  # noqa: B018 - read it, as the product does
                    times.append((time.perf_counter() - t) * 1000)
                    count += 1
                elapsed = time.perf_counter() - began
            results[size] = Baseline(size, len(body), count, elapsed, times)
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="events for 'batched'")
    parser.add_argument(
        "--unbatched-events",
        type=int,
        default=None,
        help="events for 'unbatched' (default: min(--events, 5000))",
    )
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--baseline-seconds", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=3, help="qcluster workers")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--web-threads",
        type=int,
        default=1,
        help="gunicorn threads per worker: 1 = sync workers, as run_console starts them "
        "(4 threads per worker measured ~25%% slower for batched publishing)",
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--scenario",
        default="all",
        help="all, or one or more of batched,unbatched,latency (comma-separated)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="run each scenario N times")
    parser.add_argument("--quick", action="store_true", help="smaller runs, about a minute")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = min(args.events, 5000)
        args.latency_seconds = min(args.latency_seconds, 8.0)
        args.baseline_seconds = min(args.baseline_seconds, 1.5)
        args.unbatched_events = args.unbatched_events or 1500
    if args.unbatched_events is None:
        args.unbatched_events = min(args.events, 5000)
    scenarios = {"batched", "unbatched", "latency"}
    wanted = scenarios if args.scenario == "all" else set(args.scenario.split(","))
    if not wanted or not wanted <= scenarios:
        parser.error(f"--scenario: all, or some of {', '.join(sorted(scenarios))}")

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    # Ctrl-C must stop the run even when started from a shell that ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    results: dict[str, list] = {}
    began = time.monotonic()
    stack = receiver = None
    try:
        stack = Stack(
            db=args.db,
            web_workers=args.web_workers,
            web_threads=args.web_threads,
            q_workers=args.workers,
            verbose=args.verbose,
        )
        facts = machine_facts(stack.db_description, stack.broker)
        print(
            f"bench_delivery: {args.db}, broker {stack.broker}, scenarios "
            f"{', '.join(sorted(wanted))}, {args.repeat} run(s) each",
            flush=True,
        )
        receiver = ReceiverProcess()
        seeded = stack.migrate_and_seed(receiver.url)
        bench = Bench(args, stack, receiver)
        bench.token = seeded["token"]
        stack.start_web(bench.token)
        # Each scenario in turn: how to run it once, and its progress line.
        steps = [
            (
                "batched",
                lambda: bench.throughput(args.events, max_batch=50),
                lambda r: f"{r.rate:,.0f} events/s (publish {r.publish_rate:,.0f} events/s)",
            ),
            (
                "latency",
                lambda: bench.latency(args.latency_seconds),
                lambda r: f"p50 {r.p50:.1f} ms, p99 {r.p99:.1f} ms ({r.delivered}/{r.sent})",
            ),
            (
                "unbatched",
                lambda: bench.throughput(args.unbatched_events, max_batch=1),
                lambda r: f"{r.rate:,.0f} deliveries/s",
            ),
        ]
        for run in range(args.repeat):
            for name, measure, describe in steps:
                if name in wanted:
                    result = measure()
                    results.setdefault(name, []).append(result)
                    print(f"  run {run + 1} {name}: {describe(result)}", flush=True)
            base = bench.baseline(args.baseline_seconds)
            if base:
                small, big = min(base), max(base)
                results.setdefault("baseline_small", []).append(base[small])
                if big != small or small > 1:  # `--scenario batched` alone: one size, 50
                    results.setdefault("baseline_big", []).append(base[big])
                print(
                    f"  run {run + 1} plain loop: "
                    + ", ".join(
                        f"{b.rate:,.0f} req/s ({k}-event bodies)" for k, b in sorted(base.items())
                    ),
                    flush=True,
                )
        facts["speed probe at end"] = f"{speed_probe() * 1000:.0f} ms"
        report(facts, results, args)
        print(f"\n(total {time.monotonic() - began:.0f} s)")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything", file=sys.stderr)
        return 130
    finally:
        # The stack first: its workers would otherwise retry against a stopped receiver.
        if stack is not None:
            stack.close()
        with contextlib.suppress(Exception):
            if receiver is not None:
                receiver.stop()


if __name__ == "__main__":
    sys.exit(main())
