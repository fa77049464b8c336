"""events.filter on the API: Okta's shape, validation with positions, and matching."""

from __future__ import annotations

import pytest

from hooks.models import EventHook, OutboxEntry
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db

SALES = (
    "event.target.?[type eq 'UserGroup'].size()>0 && "
    "event.target.?[displayName eq 'Sales'].size()>0"
)


def with_filter(hook_body, entries, filter_type="EXPRESSION_LANGUAGE"):
    hook_body["events"]["filter"] = {"eventFilterMap": entries}
    if filter_type:
        hook_body["events"]["filter"]["type"] = filter_type
    return hook_body


def entry(event, expression):
    return {"event": event, "condition": {"expression": expression}}


def test_a_filter_round_trips_in_oktas_shape(api, hook_body):
    body = with_filter(hook_body, [entry("group.user_membership.add", SALES)], filter_type=None)
    created = api.post("/api/v1/eventHooks", body, format="json")
    assert created.status_code == 200, created.content
    assert created.json()["events"]["filter"] == {
        "type": "EXPRESSION_LANGUAGE",
        "eventFilterMap": [
            {
                "event": "group.user_membership.add",
                "condition": {"version": None, "expression": SALES},
            },
        ],
    }
    fetched = api.get(f"/api/v1/eventHooks/{created.json()['id']}").json()
    assert fetched["events"]["filter"] == created.json()["events"]["filter"]
    # An echoed GET body (with the read-only version) is accepted back unchanged.
    replaced = api.put(f"/api/v1/eventHooks/{fetched['id']}", fetched, format="json").json()
    assert replaced["events"]["filter"] == fetched["events"]["filter"]


def test_a_put_without_filter_clears_it(api, hook_body):
    created = api.post(
        "/api/v1/eventHooks",
        with_filter(hook_body, [entry("user.lifecycle.create", "event.actor.id eq 'x'")]),
        format="json",
    ).json()
    created["events"].pop("filter")
    replaced = api.put(f"/api/v1/eventHooks/{created['id']}", created, format="json").json()
    assert replaced["events"]["filter"] is None


@pytest.mark.parametrize(
    ("entries", "cause"),
    [
        (
            [entry("user.session.start", "event.actor.id eq 'x'")],
            "events.filter.eventFilterMap[user.session.start]: 'user.session.start' is not one of "
            "the hook's event types",
        ),
        (
            [entry("user.lifecycle.create", "event.actor.id eq")],
            "events.filter.eventFilterMap[user.lifecycle.create]: Column 18: expected a value",
        ),
        (
            [entry("user.lifecycle.create", "event.actor.id")],
            "events.filter.eventFilterMap[user.lifecycle.create]: ",
        ),
        ([entry("user.lifecycle.create", "")], "The expression cannot be left blank"),
        (
            [entry("user.lifecycle.create", "x eq 'y'")],
            "events.filter.eventFilterMap[user.lifecycle.create]: ",
        ),
        (
            [entry("user.lifecycle.create", "true"), entry("user.lifecycle.create", "false")],
            "'user.lifecycle.create' has more than one filter",
        ),
    ],
)
def test_bad_filters_are_400_with_the_event_type_and_position(api, hook_body, entries, cause):
    response = api.post("/api/v1/eventHooks", with_filter(hook_body, entries), format="json")
    assert response.status_code == 400
    causes = [c["errorSummary"] for c in response.json()["errorCauses"]]
    assert any(cause in c for c in causes), causes


def test_the_length_limit_is_a_setting(api, hook_body, settings):
    settings.HOOKS_FILTER_MAX_LENGTH = 20
    body = with_filter(hook_body, [entry("user.lifecycle.create", "event.actor.id eq 'abcdef'")])
    response = api.post("/api/v1/eventHooks", body, format="json")
    assert response.status_code == 400
    assert "20" in response.json()["errorCauses"][0]["errorSummary"]


def test_an_unknown_filter_type_is_refused(api, hook_body):
    body = with_filter(hook_body, [entry("user.lifecycle.create", "true")], filter_type="SQL")
    assert api.post("/api/v1/eventHooks", body, format="json").status_code == 400


def test_matching_uses_the_filter_and_counts_errors_as_false(api, hook_body):
    body = with_filter(
        hook_body,
        [
            entry("group.user_membership.add", SALES),
            entry("user.lifecycle.create", "event.debugData.count > 3"),
        ],
    )
    hook = api.post("/api/v1/eventHooks", body, format="json").json()
    EventHook.objects.filter(pk=hook["id"]).update(verification_status="VERIFIED")
    event_publish(
        events=[
            {
                "eventType": "group.user_membership.add",
                "uuid": "sales",
                "target": [{"type": "UserGroup", "displayName": "Sales"}],
            },
            {
                "eventType": "group.user_membership.add",
                "uuid": "support",
                "target": [{"type": "UserGroup", "displayName": "Support"}],
            },
            {
                "eventType": "user.lifecycle.create",
                "uuid": "big",
                "debugContext": {"debugData": {"count": 5}},
            },
            {
                "eventType": "user.lifecycle.create",
                "uuid": "broken",
                "debugContext": {"debugData": {"count": "five"}},
            },
        ]
    )
    matched = set(OutboxEntry.objects.values_list("event__uuid", flat=True))
    assert matched == {"sales", "big"}
    from hooks.models import Event

    [warning] = Event.objects.filter(event_type="event_hook.filter.error")
    assert warning.data["severity"] == "WARN"
    assert warning.data["target"][0]["id"] == hook["id"]
