""" "Send now" for a failing hook: one service (hooks.delivery.redelivery.send_pending_now) behind
the API, the console and `manage.py redeliver --pending`. Tasks run inline, against a real
receiver on 127.0.0.1."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from hooks.models import Delivery, EventHook, OutboxEntry
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def failing_hook(api, hook_body, receiver, settings):
    """A verified hook whose receiver answered 503: one delivery PENDING for an hour,
    two events waiting in the outbox behind it."""
    settings.HOOKS_MAX_BATCH = 1
    settings.HOOKS_RETRY_SCHEDULE = [0, 3600]
    hook_body["channel"]["config"]["uri"] = receiver.url
    created = api.post("/api/v1/eventHooks", hook_body, format="json").json()
    assert api.post(f"/api/v1/eventHooks/{created['id']}/lifecycle/verify").status_code == 200
    receiver.set_behaviour(status=503)
    events = [{"eventType": "user.lifecycle.create", "uuid": f"e-{i}"} for i in range(3)]
    event_publish(events=events)
    assert Delivery.objects.filter(status="PENDING").count() == 1
    assert OutboxEntry.objects.filter(delivery__isnull=True).count() == 2
    receiver.set_behaviour(status=200)
    receiver.clear()
    return EventHook.objects.get(pk=created["id"])


def all_sent(receiver) -> bool:
    delivered = [e["uuid"] for e in receiver.events()]
    return (
        delivered == ["e-0", "e-1", "e-2"]
        and not Delivery.objects.filter(status="PENDING").exists()
    )


def test_the_api_sends_every_pending_delivery_now(api, failing_hook, receiver):
    response = api.post(f"/api/v1/eventHooks/{failing_hook.id}/deliveries/retry")
    assert response.status_code == 200, response.content
    assert response.json() == {"queued": 1}
    assert all_sent(receiver)  # the retry, then the outbox, in order
    assert EventHook.objects.get(pk=failing_hook.id).failing_since is None


def test_the_api_refuses_a_hook_that_is_not_active_and_verified(api, failing_hook, receiver):
    api.post(f"/api/v1/eventHooks/{failing_hook.id}/lifecycle/deactivate")
    response = api.post(f"/api/v1/eventHooks/{failing_hook.id}/deliveries/retry")
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert "not active and verified" in body["errorCauses"][0]["errorSummary"]
    assert receiver.requests == []
    assert api.post("/api/v1/eventHooks/whoNoSuchHook/deliveries/retry").status_code == 404


def test_the_retry_path_answers_only_post(api, failing_hook):
    assert api.get(f"/api/v1/eventHooks/{failing_hook.id}/deliveries/retry").status_code == 405


def test_the_console_button_queues_and_says_how_many(admin_client, failing_hook, receiver):
    page = admin_client.get(reverse("hooks:hook-detail", args=[failing_hook.id])).content.decode()
    action = reverse("hooks:deliveries-send-now", args=[failing_hook.id])
    assert f'action="{action}"' in page and "Send now" in page
    tab = admin_client.get(reverse("hooks:hook-deliveries", args=[failing_hook.id]))
    assert f'action="{action}"' in tab.content.decode()
    response = admin_client.post(action, {"next": "/eventhooks/" + failing_hook.id}, follow=True)
    assert response.redirect_chain[-1][0] == "/eventhooks/" + failing_hook.id
    assert "1 pending delivery queued to be sent now" in response.content.decode()
    assert all_sent(receiver)
    # A healthy hook shows no button.
    page = admin_client.get(reverse("hooks:hook-detail", args=[failing_hook.id])).content.decode()
    assert f'action="{action}"' not in page


def test_the_console_button_works_with_htmx_and_needs_a_post(admin_client, failing_hook):
    action = reverse("hooks:deliveries-send-now", args=[failing_hook.id])
    assert admin_client.get(action).status_code == 405
    response = admin_client.post(action, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("hooks:hook-deliveries", args=[failing_hook.id])


def test_the_console_says_why_an_inactive_hook_cannot_send(admin_client, failing_hook, api):
    api.post(f"/api/v1/eventHooks/{failing_hook.id}/lifecycle/deactivate")
    action = reverse("hooks:deliveries-send-now", args=[failing_hook.id])
    response = admin_client.post(action, follow=True)
    assert "not active and verified" in response.content.decode()


def test_the_console_button_checks_csrf(client, admin_user, failing_hook):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    action = reverse("hooks:deliveries-send-now", args=[failing_hook.id])
    assert strict.post(action).status_code == 403


def test_the_command_sends_pending_deliveries_now(failing_hook, receiver):
    out = io.StringIO()
    call_command("redeliver", "--hook", failing_hook.id, "--pending", stdout=out)
    assert "Queued 1 pending delivery(ies)" in out.getvalue()
    assert all_sent(receiver)


def test_the_command_counts_pending_in_a_dry_run_and_keeps_its_old_shape(failing_hook, receiver):
    out = io.StringIO()
    call_command("redeliver", failing_hook.id, "--pending", "--dry-run", stdout=out)
    assert "1 pending delivery(ies)" in out.getvalue()
    assert receiver.requests == []
    out = io.StringIO()
    call_command("redeliver", failing_hook.id, stdout=out)  # FAILED by default, as before
    assert "0 delivery(ies) match." in out.getvalue()
    with pytest.raises(CommandError, match="--pending"):
        call_command("redeliver", failing_hook.id, "--pending", "--status", "FAILED")
    with pytest.raises(CommandError, match="one hook"):
        call_command("redeliver", failing_hook.id, "--hook", "whoOther")
    with pytest.raises(CommandError, match="hook id"):
        call_command("redeliver", "--pending")
