"""Delivery log, redelivery, preview and filter backtests in the API."""

from __future__ import annotations

import re

import pytest

from hooks.models import Delivery, EventHook
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hook(active_verified_hook):
    return active_verified_hook


def test_the_delivery_log_pages_newest_first_and_shows_attempts(api, hook, receiver, settings):
    settings.HOOKS_MAX_BATCH = 1
    for index in range(3):
        event_publish(events=[{"eventType": "user.lifecycle.create", "uuid": f"e{index}"}])
    first = api.get(
        f"/api/v1/eventHooks/{hook['id']}/deliveries", {"limit": 2, "status": "SUCCEEDED"}
    )
    assert first.status_code == 200
    page = first.json()
    assert len(page) == 2 and all(d["status"] == "SUCCEEDED" for d in page)
    next_url = re.search(r'<([^>]+)>; rel="next"', first["Link"]).group(1)
    rest = api.get(next_url.replace("http://testserver", "")).json()
    assert len(rest) == 2  # the last EVENTS delivery and the VERIFICATION one
    detail = api.get(f"/api/v1/eventHooks/{hook['id']}/deliveries/{page[0]['id']}").json()
    assert detail["attempts"][0]["responseStatus"] == 200
    assert detail["attempts"][0]["requestHeaders"]["Authorization"] == "[REDACTED]"
    assert '"eventType":"com.okta.event_hook"' in detail["body"]


def test_unknown_deliveries_are_404(api, hook):
    for delivery_id in ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]:
        response = api.get(f"/api/v1/eventHooks/{hook['id']}/deliveries/{delivery_id}")
        assert response.status_code == 404 and response.json()["errorCode"] == "E0000007"


def test_one_delivery_is_redelivered_under_a_new_event_id(api, hook, receiver):
    event_publish(events=[{"eventType": "user.lifecycle.create"}])
    original = Delivery.objects.get(kind="EVENTS")
    response = api.post(
        f"/api/v1/eventHooks/{hook['id']}/deliveries/{original.envelope_id}/redeliver"
    )
    assert response.status_code == 200
    copy = response.json()
    assert copy["redeliveryOf"] == str(original.envelope_id)
    assert copy["id"] != str(original.envelope_id)
    first, second = receiver.requests
    assert first.json["data"] == second.json["data"]
    assert second.json["eventId"] == copy["id"]
    assert Delivery.objects.get(envelope_id=copy["id"]).status == "SUCCEEDED"


def test_redeliver_by_query_queues_every_failed_delivery(api, hook, receiver, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0]
    settings.HOOKS_MAX_BATCH = 1
    receiver.set_behaviour(status=500)
    for index in range(3):
        event_publish(events=[{"eventType": "user.lifecycle.create", "uuid": f"f{index}"}])
    # A failing hook backs off after the first failure: flush the rest by making it healthy.
    assert Delivery.objects.filter(kind="EVENTS", status="FAILED").count() >= 1
    receiver.set_behaviour(status=200)
    response = api.post(
        f"/api/v1/eventHooks/{hook['id']}/redeliver", {"status": "FAILED"}, format="json"
    )
    failed = Delivery.objects.filter(kind="EVENTS", status="FAILED", redelivery_of=None).count()
    assert response.json() == {"queued": failed}
    assert (
        Delivery.objects.filter(redelivery_of__isnull=False, status="SUCCEEDED").count() == failed
    )
    bad = api.post(f"/api/v1/eventHooks/{hook['id']}/redeliver", {"status": "NOPE"}, format="json")
    assert bad.status_code == 400


def test_preview_sends_a_sample_when_no_event_exists(api, hook, receiver):
    response = api.post(
        f"/api/v1/eventHooks/{hook['id']}/preview",
        {"eventType": "group.user_membership.add"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["request"]["sample"] is True
    assert body["request"]["headers"]["Authorization"] == "[REDACTED]"
    assert body["delivery"]["status"] == "SUCCEEDED"
    assert body["delivery"]["kind"] == "PREVIEW"
    [sent] = receiver.requests
    assert sent.json["data"]["events"][0]["eventType"] == "group.user_membership.add"
    assert sent.json["data"]["events"][0]["actor"]["id"] is None


def test_preview_uses_the_newest_real_event_and_accepts_an_edited_body(api, hook, receiver):
    event_publish(events=[{"eventType": "user.lifecycle.create", "uuid": "real-one"}])
    built = api.post(
        f"/api/v1/eventHooks/{hook['id']}/preview",
        {"eventType": "user.lifecycle.create", "deliver": False},
        format="json",
    ).json()
    assert built["request"]["eventUuid"] == "real-one" and "delivery" not in built
    edited = api.post(
        f"/api/v1/eventHooks/{hook['id']}/preview",
        {"eventType": "user.lifecycle.create", "body": {"data": {"events": [{"x": 1}]}}},
        format="json",
    ).json()
    assert receiver.requests[-1].json["data"] == {"events": [{"x": 1}]}
    assert edited["delivery"]["status"] == "SUCCEEDED"
    broken = api.post(
        f"/api/v1/eventHooks/{hook['id']}/preview",
        {"eventType": "user.lifecycle.create", "body": "{not json"},
        format="json",
    )
    assert broken.status_code == 400
    assert "not valid JSON" in broken.json()["errorCauses"][0]["errorSummary"]


def test_preview_bypasses_filters_and_rejects_unsubscribed_types(api, hook, receiver):
    EventHook.objects.filter(pk=hook["id"]).update(filters={"user.lifecycle.create": "false"})
    ok = api.post(
        f"/api/v1/eventHooks/{hook['id']}/preview",
        {"eventType": "user.lifecycle.create"},
        format="json",
    )
    assert ok.json()["delivery"]["status"] == "SUCCEEDED"
    refused = api.post(
        f"/api/v1/eventHooks/{hook['id']}/preview",
        {"eventType": "user.session.start"},
        format="json",
    )
    assert refused.status_code == 400


def test_filter_backtest_counts_matches_over_recent_events(api, hook):
    event_publish(
        events=[
            {"eventType": "user.account.lock", "actor": {"alternateId": f"{name}@x.io"}}
            for name in ("ann", "bob", "ann")
        ]
    )
    response = api.post(
        "/api/v1/filters/test",
        {"eventType": "user.account.lock", "expression": "event.actor.alternateId eq 'ann@x.io'"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["matched"]) == (3, 2)
    assert len(body["matchingExamples"]) == 2 and len(body["nonMatchingExamples"]) == 1
    broken = api.post(
        f"/api/v1/eventHooks/{hook['id']}/filters/test",
        {"eventType": "user.account.lock", "expression": "event.actor.id eq"},
        format="json",
    )
    assert broken.status_code == 400
    assert "user.account.lock" in broken.json()["errorCauses"][0]["errorSummary"]
