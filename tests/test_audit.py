"""Every hook change writes the matching event_hook.* entry to the System Log."""

from __future__ import annotations

import pytest

from hooks.models import Event
from tests.conftest import SECRET

pytestmark = pytest.mark.django_db


def audit_types() -> list[str]:
    return list(
        Event.objects.filter(event_type__startswith="event_hook.")
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def test_the_lifecycle_is_audited_with_actor_target_and_token(api, create_hook, admin_user):
    hook = create_hook()
    echoed = api.get(f"/api/v1/eventHooks/{hook['id']}").json()
    echoed["name"] = "Renamed"
    api.put(f"/api/v1/eventHooks/{hook['id']}", echoed, format="json")
    api.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate")
    api.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/activate")
    api.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate")
    api.delete(f"/api/v1/eventHooks/{hook['id']}")
    assert audit_types() == [
        "event_hook.created",
        "event_hook.updated",
        "event_hook.deactivated",
        "event_hook.activated",
        "event_hook.deactivated",
        "event_hook.deleted",
    ]
    created = Event.objects.get(event_type="event_hook.created").data
    assert created["actor"]["id"] == hook["createdBy"]
    assert created["actor"]["alternateId"] == admin_user.email
    assert created["target"] == [
        {
            "id": hook["id"],
            "type": "EventHook",
            "alternateId": "https://receiver.example.com/okta/hooks",
            "displayName": "Sales sync",
            "detailEntry": None,
        }
    ]
    assert created["transaction"]["detail"]["requestApiTokenId"].startswith("00T")
    assert created["outcome"] == {"result": "SUCCESS", "reason": None}
    deleted = Event.objects.get(event_type="event_hook.deleted").data
    assert deleted["target"][0]["displayName"] == "Renamed"


def test_a_refused_change_writes_no_audit_entry(api, hook_body):
    hook_body["events"]["items"] = ["no.such.type"]
    api.post("/api/v1/eventHooks", hook_body, format="json")
    assert audit_types() == []


def test_the_secret_never_reaches_a_response_the_system_log_or_the_logs(api, create_hook, caplog):
    caplog.set_level("DEBUG")
    hook = create_hook()
    bodies = [
        api.get("/api/v1/eventHooks").content,
        api.get(f"/api/v1/eventHooks/{hook['id']}").content,
        api.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate").content,
    ]
    assert all(SECRET.encode() not in body for body in bodies)
    assert all(SECRET not in str(event.data) for event in Event.objects.all())
    assert SECRET not in caplog.text
    from hooks.models import EventHook

    stored = EventHook.objects.get(pk=hook["id"])
    assert SECRET not in stored.auth_value_encrypted
    assert stored.auth_value == SECRET
