"""Envelopes stay under HOOKS_MAX_BATCH_BYTES (common receiver frameworks, such as
Express's body-parser, refuse bodies above 100 kB); an event larger than the cap still
goes, alone (issue #10, item 13b). Real receiver on 127.0.0.1; tasks run inline."""

from __future__ import annotations

import json

import pytest

from hooks.catalog import sample_log_event
from hooks.models import Delivery
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db(transaction=True)


def realistic_event(index: int, *, padding: int = 0) -> dict:
    """A sign-in as Okta logs it (~2.2 kB of JSON): client, geography, security context,
    debug data and two targets filled in, as a busy org's events are."""
    event = sample_log_event("user.lifecycle.create")
    event.pop("uuid", None)
    event.pop("published", None)
    user = {
        "id": f"00u{index:017d}",
        "type": "User",
        "alternateId": f"user{index}@example.com",
        "displayName": f"User Number {index}",
        "detailEntry": None,
    }
    event.update(
        actor=user,
        client={
            "userAgent": {
                "rawUserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/"
                "537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                "os": "Mac OS X",
                "browser": "CHROME",
            },
            "zone": "null",
            "device": "Computer",
            "id": None,
            "ipAddress": f"203.0.113.{index % 250}",
            "geographicalContext": {
                "city": "San Francisco",
                "state": "California",
                "country": "United States",
                "postalCode": "94107",
                "geolocation": {"lat": 37.7697, "lon": -122.3933},
            },
        },
        securityContext={
            "asNumber": 64496,
            "asOrg": "example transit",
            "isp": "example isp",
            "domain": "example.net",
            "isProxy": False,
        },
        debugContext={
            "debugData": {
                "requestId": f"Zx{index:08d}AbCdEfGhIjKlMnOp",
                "requestUri": "/idp/idx/identify",
                "url": "/idp/idx/identify?",
                "threatSuspected": "false",
                "behaviors": "{New Geo-Location=NEGATIVE, New Device="
                "NEGATIVE, New IP=NEGATIVE, New State=NEGATIVE, New Country=NEGATIVE, Velocity="
                "NEGATIVE, New City=NEGATIVE}",
                "risk": "{level=LOW}",
                "dtHash": "6f1c0e3a" * 8,
                "padding": "p" * padding,
            }
        },
        request={
            "ipChain": [
                {
                    "ip": f"203.0.113.{index % 250}",
                    "version": "V4",
                    "source": None,
                    "geographicalContext": {
                        "city": "San Francisco",
                        "state": "California",
                        "country": "United States",
                        "postalCode": "94107",
                        "geolocation": {"lat": 37.7697, "lon": -122.3933},
                    },
                }
            ]
        },
        target=[
            {
                "id": "0oa1234567890abcdef",
                "type": "AppInstance",
                "alternateId": "Sales CRM",
                "displayName": "Sales CRM",
                "detailEntry": {"signOnModeType": "SAML_2_0"},
            },
            {
                "id": f"pfd{index:017d}",
                "type": "AuthenticatorEnrollment",
                "alternateId": "unknown",
                "displayName": "Password",
                "detailEntry": None,
            },
        ],
    )
    return event


def test_realistic_events_never_make_an_envelope_above_the_cap(
    active_verified_hook,
    receiver,
    settings,
):
    settings.HOOKS_MAX_BATCH = 50
    events = [realistic_event(i) for i in range(50)]
    assert 2000 < len(json.dumps(events[0])) < 3000
    published = event_publish(events=events).events
    sizes = [len(request.body) for request in receiver.requests]
    assert len(sizes) >= 2, sizes  # one envelope of 50 would be ~120 kB
    assert max(sizes) <= 96_000, sizes
    received = [event["uuid"] for event in receiver.events()]
    assert received == [event.uuid for event in published]  # all, once, in order
    deliveries = Delivery.objects.filter(kind=Delivery.Kind.EVENTS)
    assert set(deliveries.values_list("status", flat=True)) == {"SUCCEEDED"}
    assert sum(deliveries.values_list("event_count", flat=True)) == 50


def test_the_default_cap_is_a_little_under_100_kb(settings):
    assert settings.HOOKS_MAX_BATCH_BYTES == 96_000


def test_an_envelope_is_packed_up_to_the_cap(active_verified_hook, receiver, settings):
    settings.HOOKS_MAX_BATCH_BYTES = 20_000
    event_publish(events=[realistic_event(i) for i in range(30)])
    sizes = [len(request.body) for request in receiver.requests]
    assert max(sizes) <= 20_000
    # Packed, not split into single events: each but the last is within one event of full.
    assert all(size > 20_000 - 3_000 for size in sizes[:-1]), sizes


def test_an_event_larger_than_the_cap_goes_alone(active_verified_hook, receiver, settings):
    settings.HOOKS_MAX_BATCH_BYTES = 20_000
    events = [realistic_event(0), realistic_event(1, padding=30_000), realistic_event(2)]
    published = event_publish(events=events).events
    batches = [[e["uuid"] for e in request.events] for request in receiver.requests]
    assert batches == [[published[0].uuid], [published[1].uuid], [published[2].uuid]]
    big = next(r for r in receiver.requests if len(r.body) > 20_000)
    assert len(big.events) == 1
    statuses = Delivery.objects.filter(kind=Delivery.Kind.EVENTS).values_list("status", flat=True)
    assert list(statuses) == ["SUCCEEDED"] * 3


def test_the_spliced_envelope_is_exactly_the_encoded_envelope():
    from hooks.outbound import payloads

    events = [realistic_event(i) for i in range(3)] + [{"ü": "\u2028", "q": '"events":[]'}]
    encoded = [payloads.encode(event) for event in events]
    fixed = dict(hook_id="whoX", envelope_id="e-1", now=None)
    spliced = payloads.encode_envelope(encoded_events=encoded, **fixed)
    whole = json.loads(spliced)
    assert whole["data"]["events"] == events
    assert spliced == payloads.encode(
        payloads.envelope(events=events, **fixed) | {"eventTime": whole["eventTime"]}
    )
