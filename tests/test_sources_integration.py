"""Two real consoles on 127.0.0.1: A stands for an Okta org, B is the console in front of it.

A's event hook delivers into B's ingest URL (A verifies it against B first), and B's
System Log reader reads A's `GET /api/v1/logs`. Every event reaches B's System Log once,
with its uuid, and a receiver through B's own hook; a SIGKILL of B's worker mid-way loses
and duplicates nothing in B's System Log.
"""

from __future__ import annotations

import time
import uuid

import pytest

from hooks.receiver.receiver import Receiver
from tests.consoles import Console

pytestmark = pytest.mark.integration

VIA_HOOK, VIA_READER = "user.lifecycle.create", "user.account.lock"
B_ENV = {
    "HOOKS_SOURCE_POLL_INTERVAL": "0.5",
    "HOOKS_SOURCE_READ_SECONDS": "5",
    "HOOKS_SOURCE_LEASE_SECONDS": "3",
    "HOOKS_SOURCE_PAGE_LIMIT": "100",
    "HOOKS_LEASE_SECONDS": "3",
    "HOOKS_RETRY_SCHEDULE": "0,1s,1s,2s,2s",
}


@pytest.fixture
def pair(tmp_path):
    a = Console("orga", tmp_path, HOOKS_MAX_BATCH="20")
    b = Console("consoleb", tmp_path, **B_ENV)
    try:
        for console in (a, b):
            console.setup()
            console.start_web()
            console.start_cluster()
        yield a, b
    finally:
        a.close()
        b.close()


def publish(console: Console, event_type: str, count: int) -> list[str]:
    uuids = [str(uuid.uuid4()) for _ in range(count)]
    for start in range(0, count, 50):
        batch = [
            {
                "eventType": event_type,
                "uuid": u,
                "actor": {"id": "00u1", "type": "User", "alternateId": "ann@example.com"},
            }
            for u in uuids[start : start + 50]
        ]
        answer = console.api("POST", "/api/v1/events", batch)
        assert answer.status_code == 200, answer.text
    return uuids


def stored_in(console: Console, uuids: list[str]) -> dict[str, list[str | None]]:
    """{uuid: [source id of each stored row]} for these uuids."""
    found: dict[str, list] = {}
    wanted = set(uuids)
    for event_uuid, source_id in console.query("SELECT uuid, source_id FROM hooks_event"):
        if event_uuid in wanted:
            found.setdefault(event_uuid, []).append(source_id)
    return found


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"not within {timeout} s: {what}")


def received_uuids(receiver: Receiver) -> list[str]:
    return [event["uuid"] for event in receiver.events()]


def connect(a: Console, b: Console, receiver: Receiver) -> tuple[str, str]:
    ingest = b.api(
        "POST",
        "/api/v1/sources",
        {
            "name": "A's event hook",
            "type": "OKTA_EVENT_HOOK",
            "config": {
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "Bearer a2b"}
            },
        },
    ).json()
    reader = b.api(
        "POST",
        "/api/v1/sources",
        {
            "name": "A's System Log",
            "type": "OKTA_SYSTEM_LOG",
            "config": {"orgUrl": a.url, "token": a.token, "filter": f'eventType eq "{VIA_READER}"'},
        },
    ).json()
    assert ingest["ingestUrl"] == f"{b.url}/ingest/okta/{ingest['id']}"
    a_hook = a.api(
        "POST",
        "/api/v1/eventHooks",
        {
            "name": "to B",
            "events": {"type": "EVENT_TYPE", "items": [VIA_HOOK]},
            "channel": {
                "type": "HTTP",
                "version": "1.0.0",
                "config": {
                    "uri": ingest["ingestUrl"],
                    "authScheme": {"type": "HEADER", "key": "Authorization", "value": "Bearer a2b"},
                },
            },
        },
    ).json()
    verified = a.api("POST", f"/api/v1/eventHooks/{a_hook['id']}/lifecycle/verify")
    assert verified.status_code == 200, verified.text
    assert verified.json()["verificationStatus"] == "VERIFIED"
    b_hook = b.api(
        "POST",
        "/api/v1/eventHooks",
        {
            "name": "to the receiver",
            "events": {"type": "EVENT_TYPE", "items": [VIA_HOOK, VIA_READER]},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": receiver.url}},
        },
    ).json()
    assert b.api("POST", f"/api/v1/eventHooks/{b_hook['id']}/lifecycle/verify").status_code == 200
    return ingest["id"], reader["id"]


def test_a_console_in_front_of_an_org_by_hook_and_by_reader_even_through_a_sigkill(pair):
    a, b = pair
    with Receiver() as receiver:
        ingest_id, reader_id = connect(a, b, receiver)
        # Round 1: everything arrives once, each event through the way it was meant to.
        by_hook = publish(a, VIA_HOOK, 60)
        by_reader = publish(a, VIA_READER, 60)
        everything = by_hook + by_reader
        wait_for(
            lambda: set(received_uuids(receiver)) >= set(everything), 90, "round 1 at the receiver"
        )
        stored = stored_in(b, everything)
        assert all(stored[u] == [ingest_id] for u in by_hook)
        assert all(stored[u] == [reader_id] for u in by_reader)
        assert sorted(received_uuids(receiver)) == sorted(everything)  # once each

        # Round 2: B's worker is SIGKILLed while events flow, then started again.
        by_hook2 = publish(a, VIA_HOOK, 150)
        by_reader2 = publish(a, VIA_READER, 150)
        wait_for(
            lambda: len(received_uuids(receiver)) > len(everything) + 20, 60, "round 2 under way"
        )
        b.kill_cluster()
        at_kill = set(received_uuids(receiver))
        assert not at_kill >= set(by_hook2 + by_reader2), "the kill came after round 2 ended"
        more_hook = publish(a, VIA_HOOK, 50)  # arrive at B's web while B has no worker
        more_reader = publish(a, VIA_READER, 50)
        time.sleep(3.5)  # B's leases (reader and deliveries) run out
        b.start_cluster()
        b.manage("sweep")  # what the every-minute schedule does, now
        round2 = by_hook2 + by_reader2 + more_hook + more_reader
        wait_for(
            lambda: set(received_uuids(receiver)) >= set(everything + round2),
            120,
            "round 2 at the receiver",
        )

    stored = stored_in(b, everything + round2)
    assert set(stored) == set(everything + round2)  # nothing lost
    assert all(len(rows) == 1 for rows in stored.values())  # nothing stored twice
    assert all(stored[u] == [ingest_id] for u in by_hook2 + more_hook)
    assert all(stored[u] == [reader_id] for u in by_reader2 + more_reader)
    sources = {s["id"]: s for s in b.api("GET", "/api/v1/sources").json()}
    assert sources[ingest_id]["eventsReceived"] == len(by_hook + by_hook2 + more_hook)
    assert sources[reader_id]["eventsReceived"] == len(by_reader + by_reader2 + more_reader)
    assert sources[reader_id]["lagSeconds"] is not None
    # At-least-once delivery: only envelopes in flight at the kill may come twice.
    arrivals = received_uuids(receiver)
    assert len(arrivals) - len(set(arrivals)) <= 3 * 50, len(arrivals) - len(set(arrivals))
