"""The Django admin cannot bypass the rules the console and the API enforce.

Only super admins reach it, and every model of ours is read-only there: changes go
through hooks.eventhooks.services (validation, verification reset, limits, audit).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from hooks.access.tokens import token_create, token_revoke
from hooks.models import (
    ApiToken,
    Delivery,
    DeliveryAttempt,
    Event,
    EventHook,
    EventType,
    OutboxEntry,
    UserIdentity,
)

pytestmark = pytest.mark.django_db

VERIFIED_URI = "https://receiver.example.com/okta/hooks"


@pytest.fixture
def verified_hook(make_hook) -> EventHook:
    return make_hook(
        uri=VERIFIED_URI,
        event_types=["user.lifecycle.create"],
        auth_value="Bearer s3cret",
        verified=True,
    )


@pytest.fixture
def every_row(verified_hook, admin_user) -> list:
    """One row of every model of ours that the admin shows."""
    delivery = Delivery.objects.create(hook=verified_hook, status="FAILED")
    DeliveryAttempt.objects.create(delivery=delivery, number=1, started_at=timezone.now())
    event = Event.objects.first()  # hook_create's audit entry
    OutboxEntry.objects.create(hook=verified_hook, event=event, delivery=delivery)
    token, _ = token_create(user=admin_user, name="CI")
    UserIdentity.objects.get_or_create(user=admin_user)
    return [
        EventType.objects.first(),
        UserIdentity.objects.first(),
        verified_hook,
        event,
        delivery,
        DeliveryAttempt.objects.first(),
        OutboxEntry.objects.first(),
        token,
    ]


def admin_url(obj, view: str) -> str:
    meta = obj._meta
    args = [] if view in ("changelist", "add") else [obj.pk]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


# --- Only super admins reach the admin ---------------------------------------------------


@pytest.fixture
def staff_with_every_permission(client, staff_user):
    staff_user.user_permissions.set(Permission.objects.all())
    client.force_login(staff_user)
    return client


def test_a_staff_member_with_every_permission_cannot_reach_the_admin(
    staff_with_every_permission, every_row
):
    client = staff_with_every_permission

    index = client.get(reverse("admin:index"))
    assert index.status_code == 302
    assert index["Location"].startswith(reverse("admin:login"))
    for obj in every_row:
        for view in ("changelist", "change"):
            response = client.get(admin_url(obj, view))
            assert response.status_code == 302, (obj._meta.model_name, view)
            assert response["Location"].startswith(reverse("admin:login"))


def test_a_staff_member_cannot_repoint_a_hook_through_the_admin(
    staff_with_every_permission, verified_hook
):
    response = staff_with_every_permission.post(
        admin_url(verified_hook, "change"),
        {"name": "Sales sync", "uri": "ftp://169.254.169.254/", "status": "ACTIVE"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    hook = EventHook.objects.get(pk=verified_hook.pk)
    assert (hook.uri, hook.verification_status) == (VERIFIED_URI, "VERIFIED")


def test_the_admin_login_refuses_a_staff_member_who_is_not_a_super_admin(client, staff_user):
    response = client.post(
        reverse("admin:login"), {"username": "staff", "password": "staff-pass-123"}
    )

    assert response.status_code == 200  # the form again, with an error
    assert client.get(reverse("admin:index")).status_code == 302


# --- Super admins read, and only read ------------------------------------------------------


def test_every_page_of_our_models_renders_for_a_super_admin(admin_client, every_row):
    for obj in every_row:
        for view in ("changelist", "change"):
            response = admin_client.get(admin_url(obj, view))
            assert response.status_code == 200, (obj._meta.model_name, view)
            assert b'name="_save"' not in response.content, obj._meta.model_name


def test_nothing_of_ours_can_be_added_changed_or_deleted(admin_client, every_row):
    for obj in every_row:
        name = obj._meta.model_name
        assert admin_client.get(admin_url(obj, "add")).status_code == 403, name
        assert admin_client.post(admin_url(obj, "add"), {}).status_code == 403, name
        assert admin_client.get(admin_url(obj, "delete")).status_code == 403, name
        assert admin_client.post(admin_url(obj, "delete"), {"post": "yes"}).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists(), name


def test_posting_a_hook_change_form_changes_nothing(admin_client, verified_hook):
    response = admin_client.post(
        admin_url(verified_hook, "change"),
        {
            "name": "Sales sync",
            "uri": "ftp://169.254.169.254/latest/meta-data",
            "status": "ACTIVE",
            "event_types": '["user.lifecycle.create"]',
            "filters": '{"user.lifecycle.create": "event.actor.id eq"}',
            "headers": "[]",
            "auth_key": "Authorization",
        },
    )

    assert response.status_code == 403
    hook = EventHook.objects.get(pk=verified_hook.pk)
    assert (hook.uri, hook.filters, hook.verification_status) == (VERIFIED_URI, {}, "VERIFIED")
    assert hook.auth_value == "Bearer s3cret"


def test_a_revoked_token_cannot_be_revived_in_the_admin(admin_client, admin_user):
    token, _ = token_create(user=admin_user, name="Leaked")
    token_revoke(token=token)
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at

    response = admin_client.post(
        admin_url(token, "change"), {"name": "Leaked", "revoked_at_0": "", "revoked_at_1": ""}
    )

    assert response.status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at


def test_the_system_log_is_append_only_in_the_admin(admin_client, every_row):
    event = next(obj for obj in every_row if isinstance(obj, Event))
    changelist = admin_url(event, "changelist")

    bulk_delete = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    change = admin_client.post(admin_url(event, "change"), {"event_type": "forged"})

    assert bulk_delete.status_code in (200, 302)  # "no action selected", nothing done
    assert change.status_code == 403
    assert Event.objects.get(pk=event.pk).event_type == event.event_type
    assert b"delete_selected" not in admin_client.get(changelist).content


def test_the_hook_page_says_where_changes_are_made(admin_client, verified_hook):
    page = admin_client.get(admin_url(verified_hook, "change")).content.decode()

    assert "Changes are made in the console or the API" in page
    assert verified_hook.get_absolute_url() in page
    assert "Bearer s3cret" not in page


# --- Django Q's own admin stays ------------------------------------------------------------


def test_the_purge_schedule_stays_editable_by_super_admins(admin_client, client, staff_user):
    from django_q.models import Schedule

    schedule = Schedule.objects.create(name="hooks-purge", func="hooks.tasks.purge")

    assert admin_client.get(admin_url(schedule, "changelist")).status_code == 200
    page = admin_client.get(admin_url(schedule, "change"))
    assert page.status_code == 200 and b'name="_save"' in page.content
    staff_user.user_permissions.set(Permission.objects.all())
    client.force_login(staff_user)
    assert client.get(admin_url(schedule, "changelist")).status_code == 302
