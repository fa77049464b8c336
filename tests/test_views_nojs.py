"""The core flows with plain form posts (no HX-Request header), as a browser without JavaScript."""

from __future__ import annotations

import re

import pytest

from hooks.models import Delivery, EventHook
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Bearer n0js-SECRET-3141"


def form_fields(html: str, form_action: str) -> dict[str, str]:
    """The hidden inputs of the form posting to `form_action` (what a browser would send)."""
    form = html.split(f'action="{form_action}"', 1)[1].split("</form>", 1)[0]
    fields = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields[name] = value.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")
        fields[name] = fields[name].replace("&lt;", "<").replace("&gt;", ">")
    return fields


def test_create_verify_preview_deactivate_and_delete_without_javascript(admin_client, receiver):
    # Step 1: details.
    page = admin_client.get("/eventhooks/new")
    assert page.status_code == 200 and b"htmx" in page.content  # htmx is optional, not needed
    response = admin_client.post(
        "/eventhooks/new",
        {
            "uri": receiver.url,
            "name": "No JS",
            "description": "Made with plain forms",
            "auth_key": "Authorization",
            "auth_value": SECRET,
            "headers_key": ["X-Team", ""],
            "headers_value": ["identity", ""],
            "event_types": ["user.mfa.factor.activate", "application.lifecycle.create"],
            "save": "1",
        },
    )
    hook = EventHook.objects.get(name="No JS")
    assert response["Location"] == f"/eventhooks/{hook.id}/filters?setup=1"

    # Step 2: filters (one builder row), saved with the plain submit button.
    page = admin_client.get(response["Location"]).content.decode()
    assert hook.signing_secret in page
    response = admin_client.post(
        f"/eventhooks/{hook.id}/filters",
        {
            "setup": "1",
            "f0-apply": "on",
            "f0-mode": "simple",
            "f0-row_field": ["actor.id"],
            "f0-row_operator": ["eq"],
            "f0-row_value": ["00uALLOWED"],
            "f0-expression": "",
            "f1-mode": "simple",
            "f1-row_field": ["eventType"],
            "f1-row_operator": ["eq"],
            "f1-row_value": [""],
            "f1-expression": "",
        },
    )
    assert response["Location"] == f"/eventhooks/{hook.id}/preview?setup=1"
    hook.refresh_from_db()
    assert hook.filters == {"user.mfa.factor.activate": "event.actor.id eq '00uALLOWED'"}

    # Step 3: preview the sample and deliver it as shown.
    page = admin_client.get(response["Location"]).content.decode()
    assert "sample event" in page
    data = form_fields(page, f"/eventhooks/{hook.id}/preview/deliver")
    assert '"eventType": "com.okta.event_hook"' in data["body"]
    result = admin_client.post(f"/eventhooks/{hook.id}/preview/deliver", data).content.decode()
    assert "Delivery successful" in result
    assert len(receiver.requests) == 1

    # Step 4: verify (a failure first, with its exact cause), then success.
    page = admin_client.get(f"/eventhooks/{hook.id}/activate?setup=1").content.decode()
    verify = form_fields(page, f"/eventhooks/{hook.id}/verify")
    receiver.set_behaviour(verification="not_json")
    failed = admin_client.post(f"/eventhooks/{hook.id}/verify", verify, follow=True)
    assert failed.redirect_chain[-1][0] == f"/eventhooks/{hook.id}/activate?setup=1"
    assert "Verification of “No JS” failed" in failed.content.decode()
    receiver.set_behaviour(verification="echo")
    verified = admin_client.post(f"/eventhooks/{hook.id}/verify", verify, follow=True)
    assert "is verified" in verified.content.decode()
    hook.refresh_from_db()
    assert hook.is_deliverable

    # The hook delivers what its filter lets through.
    event_publish(
        events=[
            {"eventType": "user.mfa.factor.activate", "actor": {"id": "00uALLOWED"}},
            {"eventType": "user.mfa.factor.activate", "actor": {"id": "00uBLOCKED"}},
        ]
    )
    deliveries = admin_client.get(f"/eventhooks/{hook.id}/deliveries").content.decode()
    assert "SUCCEEDED" in deliveries
    assert Delivery.objects.get(hook=hook, kind="EVENTS").event_count == 1

    # Deactivate from the list, then delete after confirming.
    listing = admin_client.get("/").content.decode()
    # Deactivate… leads to a confirmation page, whose form does the POST (#14 item 8).
    assert f'href="/eventhooks/{hook.id}/lifecycle/deactivate?next=/"' in listing
    confirm = admin_client.get(f"/eventhooks/{hook.id}/lifecycle/deactivate?next=/")
    confirm = confirm.content.decode()
    assert f'action="/eventhooks/{hook.id}/lifecycle/deactivate"' in confirm
    admin_client.post(f"/eventhooks/{hook.id}/lifecycle/deactivate", {"next": "/"})
    confirm = admin_client.get(f"/eventhooks/{hook.id}/delete").content.decode()
    assert "Delete event hook" in confirm
    response = admin_client.post(f"/eventhooks/{hook.id}/delete", follow=True)
    assert "was deleted" in response.content.decode()
    assert not EventHook.objects.filter(pk=hook.pk).exists()


def test_preview_edit_check_and_deliver_without_javascript(admin_client, admin_user, receiver):
    admin_client.post(
        "/eventhooks/new",
        {
            "uri": receiver.url,
            "name": "Editing",
            "event_types": ["user.mfa.factor.activate"],
            "headers_key": [""],
            "headers_value": [""],
            "auth_key": "",
            "auth_value": "",
            "save": "1",
        },
    )
    hook = EventHook.objects.get(name="Editing")
    page = admin_client.get(f"/eventhooks/{hook.id}/preview?edit=1").content.decode()
    assert '<textarea id="preview-body" name="body"' in page
    data = form_fields(page, f"/eventhooks/{hook.id}/preview/deliver")
    checked = admin_client.post(
        f"/eventhooks/{hook.id}/preview/check", {**data, "body": '{"broken": }'}
    ).content.decode()
    assert "line 1, column 12" in checked and "{&quot;broken&quot;: }" in checked
    result = admin_client.post(
        f"/eventhooks/{hook.id}/preview/deliver", {**data, "body": '{"edited": true}'}
    ).content.decode()
    assert "Delivery successful" in result
    assert receiver.requests[-1].json["edited"] is True


def test_add_rows_and_search_without_javascript_never_lose_typed_values(admin_client):
    data = {
        "uri": "https://example.com/h",
        "name": "Keep me",
        "auth_key": "",
        "auth_value": "",
        "headers_key": ["X-One", ""],
        "headers_value": ["1", ""],
        "event_types": ["user.lifecycle.create"],
        "q": "group",
        "search": "1",
    }
    page = admin_client.post("/eventhooks/new", data).content.decode()
    assert 'value="Keep me"' in page and 'value="X-One"' in page
    assert 'value="user.lifecycle.create" checked' in page
    assert 'value="group.lifecycle.create"' in page
    del data["search"]
    page = admin_client.post("/eventhooks/new", {**data, "header_action": "add"}).content.decode()
    assert page.count('name="headers_key"') == 3
    assert not EventHook.objects.exists()
