"""Preview (reference §5): pick a type and an event, see the exact request, edit it, deliver it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from hooks.eventhooks.services import Actor, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.models import Delivery, EventHook
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db

SECRET = "Bearer pr3view-SECRET-41"
# Types nothing in the app publishes by itself, so the tests decide what the log holds.
QUIET_TYPE = "user.mfa.factor.activate"
OTHER_TYPE = "application.lifecycle.create"


@pytest.fixture
def make_hook(admin_user):
    def make(uri: str = "https://receiver.example.com/okta", **changes) -> EventHook:
        spec = HookSpec(
            name=changes.pop("name", "Preview me"),
            uri=uri,
            event_types=[QUIET_TYPE, OTHER_TYPE],
            auth_key="Authorization",
            auth_value=SECRET,
            headers=[{"key": "X-Team", "value": "identity"}],
            filters={QUIET_TYPE: "event.actor.id eq 'nobody'"},
            **changes,
        )
        return hook_create(spec=spec, actor=Actor(user=admin_user))[0]

    return make


def publish(event_type: str, who: str) -> str:
    [event] = event_publish(
        events=[
            {
                "eventType": event_type,
                "actor": {
                    "id": "00u" + who[:5],
                    "alternateId": f"{who}@example.com",
                    "type": "User",
                },
            }
        ]
    ).events
    return event.uuid


def test_without_events_a_sample_with_null_fields_is_shown(admin_client, make_hook):
    hook = make_hook()
    page = admin_client.get(reverse("hooks:hook-preview", args=[hook.id])).content.decode()
    assert "<title>Preview me · Preview" in page
    assert "sample event" in page and "a sample is used" in page
    assert "Preview bypasses filters" in page
    assert "&quot;alternateId&quot;: null" in page
    assert f"POST {hook.uri}" in page
    assert "[REDACTED]" in page and SECRET not in page
    assert "X-Team" in page and "identity" in page
    assert "Deliver request" in page


def test_the_newest_real_event_is_preselected_and_others_can_be_picked(admin_client, make_hook):
    hook = make_hook()
    older = publish(QUIET_TYPE, "older")
    newer = publish(QUIET_TYPE, "newer")
    url = reverse("hooks:hook-preview", args=[hook.id])
    page = admin_client.get(url).content.decode()
    assert f'<option value="{newer}" selected>' in page
    assert "newer@example.com" in page.split("<pre")[1]
    picked = admin_client.get(url, {"event_type": QUIET_TYPE, "event": older}).content.decode()
    assert f'<option value="{older}" selected>' in picked
    assert "older@example.com" in picked.split("<pre")[1]


def test_the_event_type_picker_names_label_and_type(admin_client, make_hook):
    hook = make_hook()
    page = admin_client.get(
        reverse("hooks:hook-preview", args=[hook.id]), {"event_type": OTHER_TYPE}
    ).content.decode()
    assert f'<option value="{OTHER_TYPE}" selected>' in page
    assert f"({OTHER_TYPE})</option>" in page
    assert f"&quot;eventType&quot;: &quot;{OTHER_TYPE}&quot;" in page


def test_an_unknown_type_or_event_falls_back_to_the_defaults(admin_client, make_hook):
    hook = make_hook()
    response = admin_client.get(
        reverse("hooks:hook-preview", args=[hook.id]), {"event_type": "nope", "event": "nope"}
    )
    assert response.status_code == 200
    assert f'<option value="{QUIET_TYPE}" selected>' in response.content.decode()


def test_edit_makes_the_body_editable_and_htmx_gets_the_fragment(admin_client, make_hook):
    hook = make_hook()
    url = reverse("hooks:hook-preview", args=[hook.id])
    page = admin_client.get(url, {"edit": "1"}).content.decode()
    assert '<textarea id="preview-body" name="body"' in page
    fragment = admin_client.get(url, {"edit": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="preview-request"')
    assert "<html" not in fragment


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"eventType": "x",\n  "data": }', "line 2, column 11"),
        ("[1, 2]", "must be a JSON object"),
        ("", "The body cannot be empty."),
    ],
)
def test_live_json_validation_names_line_and_column(admin_client, make_hook, body, message):
    hook = make_hook()
    url = reverse("hooks:hook-preview-check", args=[hook.id])
    fragment = admin_client.post(url, {"body": body}, HTTP_HX_REQUEST="true").content.decode()
    assert message in fragment and "check bad" in fragment
    assert "<html" not in fragment
    page = admin_client.post(url, {"body": body, "event_type": QUIET_TYPE}).content.decode()
    assert "<title>Preview me · Preview" in page and message in page


def test_valid_json_is_said_to_be_valid(admin_client, make_hook):
    hook = make_hook()
    url = reverse("hooks:hook-preview-check", args=[hook.id])
    fragment = admin_client.post(url, {"body": '{"a": 1}'}, HTTP_HX_REQUEST="true")
    assert b"Valid JSON." in fragment.content


def test_an_invalid_body_is_not_delivered(admin_client, make_hook):
    hook = make_hook()
    url = reverse("hooks:hook-preview-deliver", args=[hook.id])
    fragment = admin_client.post(url, {"body": "{nope"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Not delivered" in fragment and "not valid JSON" in fragment
    assert not Delivery.objects.filter(kind="PREVIEW").exists()


@pytest.mark.django_db(transaction=True)
def test_deliver_sends_the_edited_body_and_shows_success(admin_client, make_hook, receiver):
    hook = make_hook(uri=receiver.url)
    page = admin_client.get(reverse("hooks:hook-preview", args=[hook.id])).content.decode()
    assert "sample" in page
    body = {"eventType": "com.okta.event_hook", "data": {"events": [{"edited": True}]}}
    receiver.set_behaviour(headers={"X-Receiver": "yes"}, body=b'{"thanks": true}')
    response = admin_client.post(
        reverse("hooks:hook-preview-deliver", args=[hook.id]),
        {"body": json.dumps(body), "event_type": QUIET_TYPE},
        HTTP_HX_REQUEST="true",
    )
    fragment = response.content.decode()
    assert "Delivery successful" in fragment
    assert "<dt>Response status</dt><dd>200</dd>" in fragment
    assert " ms</dd>" in fragment
    assert "X-Receiver" in fragment and "thanks" in fragment
    [request] = receiver.requests
    assert request.json["data"]["events"] == [{"edited": True}]  # filters bypassed
    assert request.header("Authorization") == SECRET
    assert SECRET not in fragment
    delivery = Delivery.objects.get(kind="PREVIEW")
    assert str(delivery.envelope_id) in fragment


@pytest.mark.django_db(transaction=True)
def test_a_failing_endpoint_is_shown_as_failure_with_its_status(admin_client, make_hook, receiver):
    hook = make_hook(uri=receiver.url)
    receiver.set_behaviour(status=500, body=b"boom")
    url = reverse("hooks:hook-preview-deliver", args=[hook.id])
    page = admin_client.post(
        url, {"body": '{"data": {"events": []}}', "event_type": QUIET_TYPE}
    ).content.decode()
    assert "<title>Preview me · Preview" in page  # the whole page without JavaScript
    assert "Delivery failure" in page
    assert "<dt>Response status</dt><dd>500</dd>" in page and "boom" in page
    assert len(receiver.requests) == 1  # previews are sent once, no retry
