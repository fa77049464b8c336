"""Sources benchmark: events coming in from an Okta org, beside the plain publish rate.

Two throwaway stacks (bench/stack.py): A stands for the Okta org, B for the console in
front of it. Measured in one run, on B unless said otherwise:

  publish   POST /api/v1/events, 100 events a request, --clients in parallel: events/s
            (the baseline: what B stores when events are published to it directly)
  ingest    the same events as Okta event hook envelopes (100 events each) POSTed to an
            OKTA_EVENT_HOOK source's ingest URL, --clients in parallel: events/s
  reader    --events events already in A's System Log; an OKTA_SYSTEM_LOG source on B reads
            them (pages of 1,000, as Okta's maximum) until caught up: events/s

Events are of a type B's hook does not subscribe to: this measures getting events in (System
Log + matching), not delivery (bench_delivery.py measures that).

Run:  .venv/bin/python bench/bench_sources.py [--events 100000] [--clients 4]
          [--db sqlite|postgres] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_facts
from stack import Stack

EVENT_TYPE = "user.lifecycle.create"  # not the bench hook's type: nothing is delivered
PER_REQUEST = 100


def log_event(published: str | None = None) -> dict:
    event = {
        "uuid": str(uuid.uuid4()),
        "eventType": EVENT_TYPE,
        "severity": "INFO",
        "actor": {"id": "00u1", "type": "User", "alternateId": "ann@example.com"},
        "outcome": {"result": "SUCCESS"},
        "target": [],
    }
    if published:
        event["published"] = published
    return event


def envelope(events: list[dict]) -> dict:
    return {
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": "https://acme.okta.com/api/v1/eventHooks/who1",
        "eventId": str(uuid.uuid4()),
        "eventTime": "2026-01-01T00:00:00.000Z",
        "contentType": "application/json",
        "data": {"events": events},
    }


def parallel_posts(url: str, bodies: list, headers: dict, clients: int) -> float:
    """POST every body with `clients` sessions in parallel; return the seconds taken."""
    chunks = [bodies[i::clients] for i in range(clients)]
    failures: list[str] = []

    def run(chunk):
        with requests.Session() as session:
            for body in chunk:
                answer = session.post(url, json=body, headers=headers, timeout=60)
                if answer.status_code >= 300:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return elapsed


def api(stack: Stack, token: str, method: str, path: str, body=None) -> dict:
    answer = requests.request(
        method,
        f"{stack.web_url}{path}",
        json=body,
        timeout=60,
        headers={"Authorization": f"SSWS {token}"},
    )
    answer.raise_for_status()
    return answer.json()


def measure_publish_and_ingest(b: Stack, token: str, events: int, clients: int) -> dict:
    batches = [[log_event() for _ in range(PER_REQUEST)] for _ in range(events // PER_REQUEST)]
    auth = {"Authorization": f"SSWS {token}"}
    publish_s = parallel_posts(f"{b.web_url}/api/v1/events", batches, auth, clients)
    source = api(
        b,
        token,
        "POST",
        "/api/v1/sources",
        {
            "name": "bench ingest",
            "type": "OKTA_EVENT_HOOK",
            "config": {
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "Bearer b"}
            },
        },
    )
    fresh = [envelope([log_event() for _ in range(PER_REQUEST)]) for _ in batches]
    ingest_s = parallel_posts(source["ingestUrl"], fresh, {"Authorization": "Bearer b"}, clients)
    stored = api(b, token, "GET", f"/api/v1/sources/{source['id']}")["eventsReceived"]
    assert stored == len(batches) * PER_REQUEST, stored
    total = len(batches) * PER_REQUEST
    return {"publish": total / publish_s, "ingest": total / ingest_s, "events": total}


def measure_reader(a: Stack, a_token: str, b: Stack, b_token: str, events: int) -> dict:
    # A's System Log: --events events, one millisecond apart, published through A's API.
    base = time.time() - events / 1000 - 60
    stamps = [
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + i / 1000))
        + f".{int((base + i / 1000) % 1 * 1000):03d}Z"
        for i in range(events)
    ]
    batches = [[log_event(s) for s in stamps[i : i + 1000]] for i in range(0, events, 1000)]
    seeded = parallel_posts(
        f"{a.web_url}/api/v1/events", batches, {"Authorization": f"SSWS {a_token}"}, 4
    )
    since = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(base - 1))
    started = time.perf_counter()
    source = api(
        b,
        b_token,
        "POST",
        "/api/v1/sources",
        {
            "name": "bench reader",
            "type": "OKTA_SYSTEM_LOG",
            "config": {
                "orgUrl": a.web_url,
                "token": a_token,
                "since": since,
                "filter": f'eventType eq "{EVENT_TYPE}"',
            },
        },
    )
    deadline = time.monotonic() + 1800
    received = 0
    while time.monotonic() < deadline:
        received = api(b, b_token, "GET", f"/api/v1/sources/{source['id']}")["eventsReceived"]
        if received >= events:
            break
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    return {
        "reader": received / elapsed,
        "read": received,
        "seed_rate": events / seeded,
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--ingest-events", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="5,000 events each")
    args = parser.parse_args()
    if args.quick:
        args.events = args.ingest_events = 5000
    reader_env = {"HOOKS_SOURCE_PAGE_LIMIT": "1000", "HOOKS_SOURCE_POLL_INTERVAL": "1"}
    with Stack(db=args.db) as a, Stack(db=args.db, extra_env=reader_env) as b:
        a_seed = a.migrate_and_seed("http://127.0.0.1:9999/hook")
        b_seed = b.migrate_and_seed("http://127.0.0.1:9999/hook")
        a.start_web(a_seed["token"])
        b.start_web(b_seed["token"])
        b.start_cluster()
        facts = machine_facts(args.db, b.broker)
        print(" | ".join(f"{k}: {v}" for k, v in facts.items()))
        rates = measure_publish_and_ingest(b, b_seed["token"], args.ingest_events, args.clients)
        reader = measure_reader(a, a_seed["token"], b, b_seed["token"], args.events)
        described = f"{b.db_description} + {b.broker} broker"  # before the database is dropped
    print(f"\n{described}, {args.clients} clients, {PER_REQUEST} events per request")
    print(
        f"  publish  POST /api/v1/events       {rates['publish']:>9,.0f} events/s "
        f"({rates['events']:,} events)"
    )
    print(
        f"  ingest   Okta envelopes -> ingest  {rates['ingest']:>9,.0f} events/s "
        f"({rates['ingest'] / rates['publish']:.2f}x publish)"
    )
    print(
        f"  reader   catch-up on A's log       {reader['reader']:>9,.0f} events/s "
        f"({reader['read']:,} events in {reader['seconds']:.1f} s, "
        f"{reader['reader'] / rates['publish']:.2f}x publish)"
    )
    print(
        f"  (A's System Log was seeded at {reader['seed_rate']:,.0f} events/s, 4 clients, "
        "1,000 events a request)"
    )


if __name__ == "__main__":
    main()
