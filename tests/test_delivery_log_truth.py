"""The delivery log tells the truth (#11 item 3): a delivery waiting for a retry shows its
last failure and next attempt, stored request headers are those sent on the wire, and
"redeliver all failed" offers only what no redelivery has replaced yet."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hooks.models import Delivery, DeliveryAttempt
from hooks.outbound import ssrf, transport, wire
from hooks.outbound.redaction import REDACTED
from hooks.systemlog.publishing import event_publish
from tests.conftest import SECRET

pytestmark = pytest.mark.django_db(transaction=True)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def hook(active_verified_hook):
    return active_verified_hook


def _waiting_for_a_retry(receiver, settings) -> Delivery:
    """One EVENTS delivery whose two attempts (Okta's immediate retry) answered 503 and
    which now waits about four minutes for the next one."""
    settings.HOOKS_RETRY_SCHEDULE = [0, 240]
    receiver.set_behaviour(status=503)
    event_publish(events=[{"eventType": "user.lifecycle.create"}])
    delivery = Delivery.objects.get(kind="EVENTS")
    assert delivery.status == "PENDING" and delivery.attempt_count == 2
    return delivery


# -- a. a delivery waiting for a retry -------------------------------------------------


def test_the_api_shows_a_waiting_deliverys_last_failure_and_next_attempt(
    api, hook, receiver, settings
):
    delivery = _waiting_for_a_retry(receiver, settings)
    last = delivery.attempts.order_by("-number").first()
    url = f"/api/v1/eventHooks/{hook['id']}/deliveries"
    [listed] = [d for d in api.get(url).json() if d["id"] == str(delivery.envelope_id)]
    detail = api.get(f"{url}/{delivery.envelope_id}").json()
    for shown in (listed, detail):
        assert shown["status"] == "PENDING"
        assert shown["lastStatusCode"] == 503
        assert shown["lastError"] == "HTTP 503"
        assert ISO.match(shown["lastUpdated"]) and ISO.match(shown["nextAttemptAt"])
        assert shown["lastUpdated"] == last.finished_at.strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{last.finished_at.microsecond // 1000:03d}Z"
        )
        assert shown["nextAttemptAt"] > shown["lastUpdated"]
        assert shown["redeliveredAs"] is None


def test_a_finished_delivery_has_no_next_attempt(api, hook, receiver):
    event_publish(events=[{"eventType": "user.lifecycle.create"}])
    [shown] = [
        d
        for d in api.get(f"/api/v1/eventHooks/{hook['id']}/deliveries").json()
        if d["kind"] == "EVENTS"
    ]
    assert shown["status"] == "SUCCEEDED" and shown["lastStatusCode"] == 200
    assert shown["nextAttemptAt"] is None and shown["lastError"] is None
    assert ISO.match(shown["lastUpdated"])


def test_the_console_says_when_a_waiting_delivery_retries_and_why(
    admin_client, hook, receiver, settings
):
    delivery = _waiting_for_a_retry(receiver, settings)
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=4, seconds=10)
    )
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook["id"]])).content.decode()
    assert "Pending · retry in 4 min · last: 503 Service Unavailable" in page


def test_listing_deliveries_costs_the_same_queries_for_more_rows(api, hook, receiver, settings):
    settings.HOOKS_MAX_BATCH = 1
    url = f"/api/v1/eventHooks/{hook['id']}/deliveries"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    event_publish(events=[{"eventType": "user.lifecycle.create", "uuid": "q0"}])
    few = queries()
    for index in range(1, 6):
        event_publish(events=[{"eventType": "user.lifecycle.create", "uuid": f"q{index}"}])
    assert queries() == few


# -- b. stored request headers are those sent ------------------------------------------


def test_stored_request_headers_are_exactly_those_the_receiver_got(api, hook, receiver):
    event_publish(events=[{"eventType": "user.lifecycle.create"}])
    [received] = [r for r in receiver.requests if r.method == "POST"]
    attempt = DeliveryAttempt.objects.get(delivery__kind="EVENTS")
    on_the_wire = dict(received.headers.items())
    for name in ("User-Agent", "Host", "Content-Length", "Accept-Encoding"):
        assert name in on_the_wire and name in attempt.request_headers
    assert on_the_wire["Authorization"] == SECRET
    assert set(attempt.request_headers) == set(on_the_wire)
    for name, value in attempt.request_headers.items():
        assert value == (REDACTED if name == "Authorization" else on_the_wire[name]), name


def test_the_transport_reports_the_headers_it_sent(receiver):
    result = transport.send(url=receiver.url, body=b'{"x":1}', headers={"X-Custom": "1"})
    assert result.ok
    [received] = receiver.requests
    assert result.request_headers == dict(received.headers.items())


@pytest.mark.parametrize(
    "url",
    [
        "https://receiver.example.com/okta",
        "https://receiver.example.com:443/okta",
        "https://RECEIVER.example.com.:8443/okta?x=1",
        "http://127.0.0.1:8080/",
        "https://[::1]:9443/",
        "https://bücher.example/hook",
    ],
)
def test_the_host_header_built_in_advance_is_the_one_the_guard_checks(url, monkeypatch):
    monkeypatch.setattr(ssrf, "_resolve", lambda *args, **kwargs: ["93.184.216.34"])
    monkeypatch.setattr(ssrf, "_check_address", lambda *args, **kwargs: None)
    built = wire.wire_headers("POST", url=url, headers={}, body=b"{}")
    assert built["Host"] == ssrf.resolve_destination(url).host_header


# -- c. redeliver all failed, once -----------------------------------------------------


def _three_failed(receiver, settings) -> list[Delivery]:
    settings.HOOKS_RETRY_SCHEDULE = []
    settings.HOOKS_MAX_BATCH = 1
    receiver.set_behaviour(status=500)
    for index in range(3):
        event_publish(events=[{"eventType": "user.lifecycle.create", "uuid": f"f{index}"}])
    failed = list(Delivery.objects.filter(kind="EVENTS", status="FAILED"))
    assert failed
    return failed


def test_a_recovered_original_is_not_offered_again_and_names_its_redelivery(
    api, admin_client, hook, receiver, settings
):
    failed = _three_failed(receiver, settings)
    receiver.set_behaviour(status=200)
    url = f"/api/v1/eventHooks/{hook['id']}/redeliver"
    assert api.post(url, {"status": "FAILED"}, format="json").json() == {"queued": len(failed)}
    # Every redelivery succeeded: nothing is left to redeliver, however it is asked.
    assert api.post(url, {"status": "FAILED"}, format="json").json() == {"queued": 0}
    out = StringIO()
    call_command("redeliver", hook["id"], "--status", "FAILED", "--dry-run", stdout=out)
    assert out.getvalue().startswith("0 delivery(ies) match")
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook["id"]])).content.decode()
    assert "Redeliver all failed" not in page
    for original in failed:
        copy = Delivery.objects.get(redelivery_of=original)
        shown = api.get(f"/api/v1/eventHooks/{hook['id']}/deliveries/{original.envelope_id}").json()
        assert shown["redeliveredAs"] == str(copy.envelope_id)
        assert "redelivered → <a" in page and str(copy.envelope_id) in page
    listed = {d["id"]: d for d in api.get(f"/api/v1/eventHooks/{hook['id']}/deliveries").json()}
    assert {listed[str(o.envelope_id)]["redeliveredAs"] for o in failed} == {
        str(c.envelope_id) for c in Delivery.objects.filter(redelivery_of__in=failed)
    }


def test_a_failed_redelivery_is_offered_in_place_of_its_original(
    api, admin_client, hook, receiver, settings
):
    failed = _three_failed(receiver, settings)
    url = f"/api/v1/eventHooks/{hook['id']}/redeliver"
    assert api.post(url, {"status": "FAILED"}, format="json").json() == {"queued": len(failed)}
    copies = Delivery.objects.filter(redelivery_of__isnull=False)
    assert {c.status for c in copies} == {"FAILED"}
    # Each chain is offered once, through its newest link: the count does not grow.
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook["id"]])).content.decode()
    assert f"Redeliver all failed ({len(failed)})" in page
    receiver.set_behaviour(status=200)
    assert api.post(url, {"status": "FAILED"}, format="json").json() == {"queued": len(failed)}
    assert {
        d.redelivery_of_id for d in Delivery.objects.filter(status="SUCCEEDED", kind="EVENTS")
    } == {c.pk for c in copies}
