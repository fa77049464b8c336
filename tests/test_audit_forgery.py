"""The audit trail cannot be forged: `event_hook.*` events are written by the console only."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from hooks.catalog import AUDIT_EVENT_TYPES
from hooks.models import Event

pytestmark = pytest.mark.django_db

FORGED = {
    "eventType": "event_hook.delivery",
    "published": "2020-01-01T00:00:00.000Z",
    "actor": {"id": "00uADMIN", "type": "User", "alternateId": "admin@example.com"},
}


@pytest.mark.parametrize("event_type", AUDIT_EVENT_TYPES)
def test_the_api_refuses_event_hook_types(api, event_type):
    response = api.post("/api/v1/events", {**FORGED, "eventType": event_type}, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert [c["errorSummary"] for c in body["errorCauses"]] == [
        f"eventType: {event_type.split('.')[0]}.* events are written by the console itself"
    ]
    assert not Event.objects.filter(event_type=event_type, actor_id="00uADMIN").exists()


def test_one_forged_item_refuses_the_whole_batch_with_its_index(api):
    before = Event.objects.count()
    batch = [{"eventType": "user.lifecycle.create"}, FORGED]
    response = api.post("/api/v1/events", batch, format="json")
    assert response.status_code == 400
    causes = [c["errorSummary"] for c in response.json()["errorCauses"]]
    assert causes == ["events[1].eventType: event_hook.* events are written by the console itself"]
    assert Event.objects.count() == before


def test_publish_event_refuses_event_hook_types():
    with pytest.raises(CommandError, match=r"event_hook\.\* events are written by the console"):
        call_command("publish_event", "event_hook.created")
    assert not Event.objects.filter(event_type="event_hook.created").exists()


def test_the_catalog_api_shows_them_read_only(api):
    listed = api.get("/api/v1/eventTypes", {"q": "event_hook."}).json()
    listed += api.get("/api/v1/eventTypes", {"q": "source."}).json()
    assert {row["name"] for row in listed} >= set(AUDIT_EVENT_TYPES)
    assert not any(row["hookEligible"] for row in listed if row["name"] in AUDIT_EVENT_TYPES)


def test_the_console_still_writes_its_own_audit_events(api, hook_body):
    created = api.post("/api/v1/eventHooks", hook_body, format="json").json()
    assert Event.objects.filter(
        event_type="event_hook.created", data__target__0__id=created["id"]
    ).exists()
