"""manage.py publish_event sends realistic events: real-looking ids, client, request, contexts."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hooks.catalog import sample_log_event
from hooks.catalog.realistic import SYSTEM_PRINCIPAL, stable_id
from hooks.models import Event
from hooks.systemlog.events import SYSTEM_ACTOR, user_external_id

pytestmark = pytest.mark.django_db

OKTA_ID = r"[0-9A-Za-z]{17}"


def publish(*args: str) -> list[dict]:
    """Run publish_event and return the LogEvents it stored, oldest first."""
    before = set(Event.objects.values_list("uuid", flat=True))
    call_command("publish_event", *args, stdout=StringIO(), stderr=StringIO())
    return [
        event.data for event in Event.objects.exclude(uuid__in=before).order_by("published", "uuid")
    ]


def assert_same_shape(value, sample, where: str = "event") -> None:
    """Every object of the catalog sample has the same keys in the published event."""
    if isinstance(sample, dict):
        assert isinstance(value, dict), where
        assert set(value) == set(sample), where
        for key, sample_value in sample.items():
            if sample_value is not None and key != "debugData":  # debugData is free-form
                assert_same_shape(value[key], sample_value, f"{where}.{key}")
    elif isinstance(sample, list) and sample:
        assert isinstance(value, list) and len(value) == len(sample), where
        for index, item in enumerate(value):
            assert_same_shape(item, sample[0], f"{where}[{index}]")


def test_a_published_event_is_realistic_and_shaped_like_the_catalog_sample():
    [event] = publish("group.user_membership.add")
    assert_same_shape(event, sample_log_event("group.user_membership.add"))
    assert re.fullmatch("00u" + OKTA_ID, event["actor"]["id"])
    assert "@" in event["actor"]["alternateId"] and event["actor"]["displayName"]
    user, group = event["target"]
    assert (user["type"], group["type"]) == ("User", "UserGroup")
    assert re.fullmatch("00u" + OKTA_ID, user["id"])
    assert re.fullmatch("00g" + OKTA_ID, group["id"])
    client = event["client"]
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", client["ipAddress"])
    assert client["userAgent"]["rawUserAgent"].startswith("Mozilla/5.0")
    assert client["userAgent"]["browser"] and client["geographicalContext"]["city"]
    assert event["request"]["ipChain"][0]["ip"] == client["ipAddress"]
    assert event["authenticationContext"]["externalSessionId"].startswith("102")
    assert event["securityContext"]["asNumber"] and event["securityContext"]["isp"]
    assert event["debugContext"]["debugData"]["requestId"] == event["transaction"]["id"]
    assert event["transaction"]["type"] == "WEB"


def test_every_event_is_fresh_but_the_same_principal_keeps_its_id():
    events = publish("user.lifecycle.create", "--actor", "ann@x.io", "--count", "3")
    assert len({event["uuid"] for event in events}) == 3
    assert len({event["transaction"]["id"] for event in events}) == 3
    assert all(event["published"] for event in events)
    assert {event["actor"]["id"] for event in events} == {stable_id("User", "ann@x.io")}
    [again] = publish("user.lifecycle.create", "--actor", "ann@x.io")
    assert again["actor"] == {
        "id": stable_id("User", "ann@x.io"),
        "type": "User",
        "alternateId": "ann@x.io",
        "displayName": "Ann",
        "detailEntry": None,
    }


def test_actor_and_target_override_the_made_up_ones():
    [event] = publish(
        "group.user_membership.add",
        "--actor",
        "ann@x.io",
        "--target",
        "bob@x.io",
        "--target",
        "UserGroup:Sales",
    )
    assert event["actor"]["alternateId"] == "ann@x.io"
    assert event["target"] == [
        {
            "id": stable_id("User", "bob@x.io"),
            "type": "User",
            "alternateId": "bob@x.io",
            "displayName": "Bob",
            "detailEntry": None,
        },
        {
            "id": stable_id("UserGroup", "Sales"),
            "type": "UserGroup",
            "alternateId": "Sales",
            "displayName": "Sales",
            "detailEntry": None,
        },
    ]
    assert event["target"][1]["id"].startswith("00g")
    assert event["client"]["ipAddress"]  # the rest stays realistic


def test_a_console_user_as_actor_has_the_id_the_console_gives_it(django_user_model):
    user = django_user_model.objects.create_user(
        username="maria", email="Maria@Example.com", first_name="Maria", last_name="Lopez"
    )
    [event] = publish("user.lifecycle.create", "--actor", "maria@example.com")
    assert event["actor"]["id"] == user_external_id(user)
    assert event["actor"]["displayName"] == "Maria Lopez"


def test_system_and_app_actors():
    assert SYSTEM_PRINCIPAL == SYSTEM_ACTOR
    [system] = publish("system.org.rate_limit.warning")
    assert system["actor"] == SYSTEM_ACTOR and system["target"] == []
    [client_app] = publish("app.oauth2.token.grant.interclient_token")
    assert client_app["actor"]["type"] == "PublicClientApp"
    assert re.fullmatch("0oa" + OKTA_ID, client_app["actor"]["id"])


def test_audit_types_and_unknown_types_are_still_refused():
    with pytest.raises(CommandError, match="written by the console itself"):
        publish("event_hook.created")
    with pytest.raises(CommandError, match="not an event type in the catalog"):
        publish("no.such.type")
    assert not Event.objects.exists()
