"""Event Catalog, System Log, API Tokens, the Django admin, and secrets never shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hooks.access.tokens import token_create
from hooks.eventhooks.services import Actor, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.lib.timestamps import format_timestamp
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
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db

AUTH_SECRET = "Bearer ZZ-distinctive-AUTH-secret-8b1e"


@pytest.fixture
def hook_and_secret(admin_user) -> tuple[EventHook, str]:
    spec = HookSpec(
        name="Secretive",
        uri="https://receiver.example.com/okta",
        event_types=["user.lifecycle.create", "group.user_membership.add"],
        auth_key="X-Api-Key",
        auth_value=AUTH_SECRET,
    )
    return hook_create(spec=spec, actor=Actor(user=admin_user))


# --- Event Catalog --------------------------------------------------------------------


def test_the_catalog_lists_eligible_types_by_category_with_beta_marks(admin_client):
    page = admin_client.get(reverse("hooks:catalog")).content.decode()
    assert "<title>Event Catalog" in page
    assert "<h2>User lifecycle" in page and "<h2>Groups" in page
    assert "user.lifecycle.create" in page
    assert "Beta</span>" in page
    assert "event_hook.created" not in page  # not hook-eligible


def test_the_catalog_search_category_beta_and_all_filters(admin_client):
    url = reverse("hooks:catalog")
    page = admin_client.get(url, {"q": "membership"}).content.decode()
    assert "group.user_membership.add" in page and "user.lifecycle.create" not in page
    page = admin_client.get(url, {"category": "Groups"}).content.decode()
    assert "<h2>Groups" in page and "<h2>User lifecycle" not in page
    beta = EventType.objects.filter(beta=True, hook_eligible=True).first()
    page = admin_client.get(url, {"beta": "only"}).content.decode()
    assert beta.name in page and "user.lifecycle.create" not in page
    page = admin_client.get(url, {"beta": "none"}).content.decode()
    assert beta.name not in page
    page = admin_client.get(url, {"all": "1", "q": "event_hook"}).content.decode()
    assert "event_hook.created" in page and "Not for hooks" in page
    fragment = admin_client.get(url, {"q": "group"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="catalog-list"')


def test_the_catalog_shows_which_hooks_subscribe(admin_client, hook_and_secret):
    hook, _ = hook_and_secret
    page = admin_client.get(reverse("hooks:catalog"), {"q": "user.lifecycle.create"})
    assert f'href="/eventhooks/{hook.id}">Secretive</a>' in page.content.decode()


def test_an_event_type_page_has_subscribers_and_a_sample_payload(admin_client, hook_and_secret):
    url = reverse("hooks:event-type-detail", args=["group.user_membership.add"])
    page = admin_client.get(url).content.decode()
    assert "Sample payload" in page and "&quot;eventType&quot;: &quot;group" in page
    assert "Secretive" in page
    assert admin_client.get(reverse("hooks:event-type-detail", args=["no.such"])).status_code == 404


# --- System Log -----------------------------------------------------------------------


def publish(event_type: str, actor_id: str, alternate_id: str, minutes_ago: int = 0) -> Event:
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    return event_publish(
        events=[
            {
                "eventType": event_type,
                "published": format_timestamp(moment),
                "actor": {"id": actor_id, "alternateId": alternate_id, "type": "User"},
            }
        ]
    ).events[0]


def test_the_log_is_newest_first_with_each_events_json(admin_client):
    older = publish("user.mfa.factor.activate", "00uOLD", "old@example.com", minutes_ago=10)
    newer = publish("user.mfa.factor.activate", "00uNEW", "new@example.com", minutes_ago=1)
    page = admin_client.get(reverse("hooks:system-log")).content.decode()
    assert "<title>System Log" in page
    assert page.index(newer.uuid) < page.index(older.uuid)
    assert '<details class="log-entry">' in page and "&quot;uuid&quot;" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event_type": "user.mfa.factor.activate"}, {"mfa"}),
        ({"actor": "00uACTOR2"}, {"app"}),
        ({"actor": "mfa@example.com"}, {"mfa"}),
        ({"since": "past"}, {"mfa"}),
        ({"until": "past"}, {"app"}),
    ],
)
def test_the_log_filters_by_type_actor_and_time(admin_client, params, expected):
    events = {
        "mfa": publish("user.mfa.factor.activate", "00uACTOR1", "mfa@example.com", 1),
        "app": publish("application.lifecycle.create", "00uACTOR2", "app@example.com", 120),
    }
    middle = (timezone.now() - timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M")
    params = {key: middle if value == "past" else value for key, value in params.items()}
    page = admin_client.get(reverse("hooks:system-log"), params).content.decode()
    for name, event in events.items():
        assert (event.uuid in page) == (name in expected), name


def test_the_log_pages_by_keyset(admin_client):
    for i in range(55):
        publish("user.mfa.factor.activate", f"00u{i:05d}", f"u{i}@example.com", minutes_ago=i)
    url = reverse("hooks:system-log")
    first = admin_client.get(url, {"event_type": "user.mfa.factor.activate"})
    cursor = first.context["page"].next_cursor
    assert len(first.context["page"].items) == 50 and cursor
    second = admin_client.get(url, {"event_type": "user.mfa.factor.activate", "after": cursor})
    assert len(second.context["page"].items) == 5
    assert "u54@example.com" in second.content.decode()
    assert admin_client.get(url, {"after": "nonsense"}).status_code == 302
    fragment = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="log-rows"')


# --- API Tokens -----------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_then_only_by_its_hint(admin_client, admin_user):
    response = admin_client.post(reverse("hooks:tokens"), {"name": "Terraform"})
    assert response.status_code == 302
    row = ApiToken.objects.get(name="Terraform")
    first = admin_client.get(reverse("hooks:tokens")).content.decode()
    token = first.split('id="new-token">')[1].split("<")[0]
    assert token.endswith(row.token_hint) and len(token) == 42
    second = admin_client.get(reverse("hooks:tokens")).content.decode()
    assert token not in second and f"…{row.token_hint}" in second
    assert "Terraform" in second and "Never" in second


def test_a_token_without_a_name_is_a_field_error(admin_client):
    response = admin_client.post(reverse("hooks:tokens"), {"name": ""})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert not ApiToken.objects.exists()


def test_revoking_a_token(admin_client, admin_user):
    row, _ = token_create(user=admin_user, name="Old CI")
    # GET is the confirmation step (#14 item 8): it asks, and revokes nothing.
    confirm = admin_client.get(reverse("hooks:token-revoke", args=[row.pk])).content.decode()
    assert "Revoke the token “Old CI”?" in confirm
    row.refresh_from_db()
    assert row.revoked_at is None
    response = admin_client.post(reverse("hooks:token-revoke", args=[row.pk]), follow=True)
    assert "was revoked" in response.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert "Revoked" in admin_client.get(reverse("hooks:tokens")).content.decode()
    again = admin_client.get(reverse("hooks:token-revoke", args=[row.pk])).content.decode()
    assert "already revoked" in again


# --- Django admin ---------------------------------------------------------------------


def test_every_model_has_an_admin_changelist_and_change_page(admin_client, hook_and_secret):
    hook, signing_secret = hook_and_secret
    delivery = Delivery.objects.create(hook=hook, status="FAILED")
    DeliveryAttempt.objects.create(delivery=delivery, number=1, started_at=timezone.now())
    event = Event.objects.first()
    OutboxEntry.objects.create(hook=hook, event=event, delivery=delivery)
    token, raw_token = token_create(user=hook.created_by, name="admin test")
    objects = [
        EventType.objects.first(),
        UserIdentity.objects.first(),
        hook,
        event,
        delivery,
        DeliveryAttempt.objects.first(),
        OutboxEntry.objects.first(),
        token,
    ]
    for obj in objects:
        meta = obj._meta
        changelist = admin_client.get(reverse(f"admin:hooks_{meta.model_name}_changelist"))
        assert changelist.status_code == 200, meta.model_name
        change = admin_client.get(reverse(f"admin:hooks_{meta.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, meta.model_name
        for page in (changelist, change):
            content = page.content.decode()
            assert AUTH_SECRET not in content and signing_secret not in content
            assert raw_token not in content and token.token_hash not in content
            assert "auth_value_encrypted" not in content
            assert "signing_secret_encrypted" not in content


def test_the_delivery_pipeline_is_read_only_in_the_admin(admin_client, hook_and_secret):
    hook, _ = hook_and_secret
    delivery = Delivery.objects.create(hook=hook, status="FAILED")
    for model in ("delivery", "deliveryattempt", "outboxentry", "event"):
        assert admin_client.get(reverse(f"admin:hooks_{model}_add")).status_code == 403
    change = admin_client.get(reverse("admin:hooks_delivery_change", args=[delivery.pk]))
    assert b'name="_save"' not in change.content
    assert admin_client.get(reverse("admin:hooks_eventhook_add")).status_code == 403


# --- No secret, anywhere ------------------------------------------------------------------


def test_no_secret_appears_on_any_console_page(admin_client, hook_and_secret):
    hook, signing_secret = hook_and_secret
    event_publish(events=[{"eventType": "group.user_membership.add"}])
    delivery = Delivery.objects.create(hook=hook, status="FAILED", body="{}")
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=timezone.now(),
        request_headers={"X-Api-Key": "[REDACTED]"},
    )
    _, raw_token = token_create(user=hook.created_by, name="hidden")
    urls = [
        "/",
        "/eventhooks/new",
        f"/eventhooks/{hook.id}",
        f"/eventhooks/{hook.id}/edit",
        f"/eventhooks/{hook.id}/filters",
        f"/eventhooks/{hook.id}/preview",
        f"/eventhooks/{hook.id}/preview?edit=1",
        f"/eventhooks/{hook.id}/preview?event_type=group.user_membership.add",
        f"/eventhooks/{hook.id}/deliveries",
        f"/eventhooks/{hook.id}/activity",
        f"/eventhooks/{hook.id}/activate",
        f"/eventhooks/{hook.id}/delete",
        f"/eventhooks/{hook.id}/secret/rotate",
        f"/eventhooks/{hook.id}/deliveries/redeliver-failed",
        "/catalog",
        "/catalog/user.lifecycle.create",
        "/logs",
        "/tokens",
        "/admin/hooks/eventhook/",
        f"/admin/hooks/eventhook/{hook.id}/change/",
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for secret in (AUTH_SECRET, signing_secret, raw_token):
            assert secret not in content, (url, secret[:12])
    # The edit form posts back with an error: still nothing.
    response = admin_client.post(f"/eventhooks/{hook.id}/edit", {"name": "", "save": "1"})
    assert AUTH_SECRET not in response.content.decode()
