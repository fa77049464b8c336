"""Django auth signals become System Log events with real actor, target and client data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from hooks.models import Event

pytestmark = pytest.mark.django_db


def events_of(event_type: str) -> list[dict]:
    return [e.data for e in Event.objects.filter(event_type=event_type).order_by("id")]


def test_user_lifecycle_and_password_changes(django_user_model):
    user = django_user_model.objects.create_user(username="ann", email="ann@x.io", password="p1")
    [created] = events_of("user.lifecycle.create")
    assert created["target"][0]["alternateId"] == "ann@x.io"
    assert created["target"][0]["id"].startswith("00u")
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert len(events_of("user.lifecycle.deactivate")) == 1
    assert len(events_of("user.lifecycle.activate")) == 1
    user.set_password("another-pass-1")
    user.save()
    assert len(events_of("user.account.update_password")) == 1
    user.delete()
    [deleted] = events_of("user.lifecycle.delete.initiated")
    assert deleted["target"][0]["alternateId"] == "ann@x.io"


def test_sign_in_success_failure_and_sign_out_carry_client_data(django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@x.io", "boss-pass-123")
    client = Client(HTTP_USER_AGENT="pytest-browser/1.0", REMOTE_ADDR="127.0.0.9")
    client.post("/accounts/login/", {"username": "boss", "password": "wrong"})
    client.post("/accounts/login/", {"username": "boss", "password": "boss-pass-123"})
    client.post("/accounts/logout/")
    failure, success = events_of("user.session.start")
    assert failure["outcome"] == {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}
    assert success["outcome"]["result"] == "SUCCESS"
    assert success["actor"]["alternateId"] == "boss@x.io"
    assert success["client"]["ipAddress"] == "127.0.0.9"
    assert success["client"]["userAgent"]["rawUserAgent"] == "pytest-browser/1.0"
    assert len(events_of("user.session.end")) == 1


def test_groups_and_memberships_in_both_directions(django_user_model):
    user = django_user_model.objects.create_user(username="cy", email="cy@x.io")
    sales = Group.objects.create(name="Sales")
    support = Group.objects.create(name="Support")
    user.groups.add(sales)
    support.user_set.add(user)
    user.groups.remove(sales)
    assert [e["target"][0]["displayName"] for e in events_of("group.lifecycle.create")] == [
        "Sales",
        "Support",
    ]
    adds = events_of("group.user_membership.add")
    assert [(e["target"][0]["alternateId"], e["target"][1]["displayName"]) for e in adds] == [
        ("cy@x.io", "Sales"),
        ("cy@x.io", "Support"),
    ]
    assert len(events_of("group.user_membership.remove")) == 1
    support.delete()
    assert len(events_of("group.lifecycle.delete")) == 1


def test_a_rolled_back_change_publishes_nothing(django_user_model):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        django_user_model.objects.create_user(username="ghost")
        raise RuntimeError
    assert events_of("user.lifecycle.create") == []
