"""Operator commands: publish_event, redeliver, sweep, verify_hook, load_event_catalog."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hooks.catalog.realistic import stable_id
from hooks.models import Delivery, EventType

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def hook(api, hook_body, receiver):
    hook_body["channel"]["config"]["uri"] = receiver.url
    created = api.post("/api/v1/eventHooks", hook_body, format="json").json()
    assert "VERIFIED" in run("verify_hook", created["id"])
    return created


def test_publish_event_delivers_to_the_hook(hook, receiver):
    output = run(
        "publish_event",
        "user.lifecycle.create",
        "--actor",
        "ann@x.io",
        "--target",
        "UserGroup:Sales",
        "--count",
        "3",
    )
    assert "Published 3 user.lifecycle.create event(s); 3 delivery match(es)" in output
    events = receiver.events()
    assert len(events) == 3
    assert events[0]["actor"]["alternateId"] == "ann@x.io"
    assert events[0]["target"][0] == {
        "id": stable_id("UserGroup", "Sales"),
        "type": "UserGroup",
        "alternateId": "Sales",
        "displayName": "Sales",
        "detailEntry": None,
    }
    assert events[0]["actor"]["id"] == stable_id("User", "ann@x.io")
    assert events[0]["client"]["ipAddress"]  # realistic: tests/test_publish_event_realistic.py


def test_publish_event_refuses_unknown_types_and_counts():
    with pytest.raises(CommandError, match="not an event type in the catalog"):
        run("publish_event", "no.such.type")
    with pytest.raises(CommandError, match="--count"):
        run("publish_event", "user.lifecycle.create", "--count", "0")


def test_verify_hook_reports_the_cause_of_a_failure(api, hook_body, receiver):
    receiver.set_behaviour(verification="wrong")
    hook_body["channel"]["config"]["uri"] = receiver.url
    created = api.post("/api/v1/eventHooks", hook_body, format="json").json()
    with pytest.raises(CommandError, match="did not match"):
        run("verify_hook", created["id"])
    with pytest.raises(CommandError, match="No event hook"):
        run("verify_hook", "whoNOPE")


def test_redeliver_requeues_failed_deliveries(hook, receiver, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0]
    receiver.set_behaviour(status=500)
    run("publish_event", "user.lifecycle.create")
    assert "1 delivery(ies) match" in run("redeliver", hook["id"], "--dry-run")
    receiver.set_behaviour(status=200)
    assert "Queued 1 redelivery" in run("redeliver", hook["id"])
    assert Delivery.objects.filter(redelivery_of__isnull=False, status="SUCCEEDED").count() == 1
    with pytest.raises(CommandError, match="ISO-8601"):
        run("redeliver", hook["id"], "--since", "last week")


def test_sweep_reports_counts():
    assert "0 expired lease(s), 0 due retry(ies)" in run("sweep")


def test_load_event_catalog_is_idempotent():
    EventType.objects.filter(name="user.lifecycle.create").update(label="changed")
    assert "1 updated" in run("load_event_catalog")
    assert "0 created, 0 updated" in run("load_event_catalog")
    assert EventType.objects.get(name="user.lifecycle.create").label != "changed"
