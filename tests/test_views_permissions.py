"""Only super admins get into the console: anonymous → login, staff → 403, superuser → 200."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hooks.models import Delivery, EventHook

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(make_hook) -> EventHook:
    return make_hook(
        name="Permissions",
        uri="https://example.com/hook",
        event_types=["user.lifecycle.create"],
        auth_key="",
        auth_value="",
    )


def console_urls(hook: EventHook) -> list[str]:
    """Every GET-able console address (the bookmarkable ones and the confirmation steps)."""
    delivery = Delivery.objects.create(hook=hook, status=Delivery.Status.FAILED)
    return [
        reverse("hooks:hook-list"),
        reverse("hooks:hook-create"),
        reverse("hooks:hook-detail", args=[hook.id]),
        reverse("hooks:hook-edit", args=[hook.id]),
        reverse("hooks:hook-filters", args=[hook.id]),
        reverse("hooks:hook-preview", args=[hook.id]),
        reverse("hooks:hook-deliveries", args=[hook.id]),
        reverse("hooks:hook-activity", args=[hook.id]),
        reverse("hooks:hook-activate-step", args=[hook.id]),
        reverse("hooks:hook-delete", args=[hook.id]),
        reverse("hooks:hook-rotate-secret", args=[hook.id]),
        reverse("hooks:deliveries-redeliver-failed", args=[hook.id]),
        reverse("hooks:redelivery-progress", args=[hook.id])
        + f"?from={delivery.created_at:%Y-%m-%dT%H:%M:%SZ}",
        reverse("hooks:catalog"),
        reverse("hooks:event-type-detail", args=["user.lifecycle.create"]),
        reverse("hooks:system-log"),
        reverse("hooks:tokens"),
    ]


def post_urls(hook: EventHook) -> list[str]:
    return [
        reverse("hooks:hook-verify", args=[hook.id]),
        reverse("hooks:hook-activate", args=[hook.id]),
        reverse("hooks:hook-deactivate", args=[hook.id]),
        reverse("hooks:hook-filter-check", args=[hook.id]) + "?section=0",
        reverse("hooks:hook-preview-check", args=[hook.id]),
        reverse("hooks:hook-preview-deliver", args=[hook.id]),
        reverse("hooks:token-revoke", args=["nonexistent"]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_console_url(client, hook):
    for url in console_urls(hook) + post_urls(hook):
        response = client.post(url) if url in post_urls(hook) else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_anonymous_htmx_requests_are_redirected_by_the_client(client, hook):
    response = client.get(reverse("hooks:hook-list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_staff_who_are_not_super_admins_see_a_clear_403_page(client, staff_user, hook):
    client.force_login(staff_user)
    for url in console_urls(hook):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Only super admins can use the console" in response.content
        assert b"staff" in response.content
    for url in post_urls(hook):
        assert client.post(url).status_code == 403, url
    hook.refresh_from_db()
    assert hook.status == EventHook.Status.ACTIVE  # nothing was changed


def test_super_admins_get_every_console_page(admin_client, hook):
    for url in console_urls(hook):
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        assert b"<title>" in response.content


def test_the_login_page_renders_and_signs_a_super_admin_in(client, admin_user):
    page = client.get("/accounts/login/?next=/catalog")
    assert page.status_code == 200
    assert b"Sign in" in page.content
    response = client.post(
        "/accounts/login/", {"username": "admin", "password": "password", "next": "/catalog"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/catalog"


def test_a_wrong_password_is_a_form_error(client, admin_user):
    response = client.post("/accounts/login/", {"username": "admin", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_logout_is_a_post_that_returns_to_the_login_page(admin_client):
    page = admin_client.get(reverse("hooks:hook-list"))
    assert b'action="/accounts/logout/"' in page.content
    response = admin_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert admin_client.get(reverse("hooks:hook-list")).status_code == 302
