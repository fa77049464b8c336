"""The ingest URL of an OKTA_EVENT_HOOK source (hooks/sources/endpoint.py)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hooks.eventhooks.services import SYSTEM
from hooks.models import Event, EventHook, OutboxEntry, Source
from hooks.sources.services import source_create, source_deactivate
from hooks.sources.validation import SourceSpec
from tests.fake_okta import okta_event

pytestmark = pytest.mark.django_db
SECRET = "Bearer from-okta-123"


@pytest.fixture
def source() -> Source:
    spec = SourceSpec(
        name="Okta hook", type="OKTA_EVENT_HOOK", auth_key="Authorization", auth_value=SECRET
    )
    return source_create(spec=spec, actor=SYSTEM)


def envelope(*events: dict) -> bytes:
    return json.dumps(
        {
            "eventType": "com.okta.event_hook",
            "eventTypeVersion": "1.0",
            "cloudEventsVersion": "0.1",
            "source": "https://acme.okta.com/api/v1/eventHooks/who1",
            "eventId": "b5a188b9-5ece-4636-b041-482ffda96311",
            "eventTime": "2026-01-01T00:00:01.000Z",
            "contentType": "application/json",
            "data": {"events": list(events)},
        }
    ).encode()


def post(source: Source, body: bytes, secret: str | None = SECRET):
    headers = {"HTTP_AUTHORIZATION": secret} if secret is not None else {}
    return Client().post(
        f"/ingest/okta/{source.pk}", body, content_type="application/json", **headers
    )


def test_okta_verification_needs_the_header_and_echoes_the_challenge(source):
    url = f"/ingest/okta/{source.pk}"
    challenge = {"HTTP_X_OKTA_VERIFICATION_CHALLENGE": "abc123"}
    assert Client().get(url, **challenge).status_code == 401
    assert Client().get(url, HTTP_AUTHORIZATION="Bearer wrong", **challenge).status_code == 401
    answer = Client().get(url, HTTP_AUTHORIZATION=SECRET, **challenge)
    assert answer.status_code == 200 and answer.json() == {"verification": "abc123"}
    assert Client().get(url, HTTP_AUTHORIZATION=SECRET).status_code == 400


def test_events_are_stored_as_okta_sent_them(source):
    answer = post(source, envelope(okta_event(1), okta_event(2)))
    assert answer.status_code == 204
    stored = {e.uuid: e for e in Event.objects.filter(source=source)}
    assert set(stored) == {okta_event(1)["uuid"], okta_event(2)["uuid"]}
    event = stored[okta_event(1)["uuid"]]
    assert event.data["published"] == okta_event(1)["published"]
    assert event.data["actor"] == okta_event(1)["actor"]
    source.refresh_from_db()
    assert source.events_received == 2 and source.last_event_at is not None


def test_a_retried_or_duplicate_event_is_stored_once(source):
    assert post(source, envelope(okta_event(1))).status_code == 204
    assert post(source, envelope(okta_event(1), okta_event(1), okta_event(2))).status_code == 204
    assert Event.objects.filter(source=source).count() == 2
    source.refresh_from_db()
    assert source.events_received == 2


def test_unknown_event_types_are_stored_and_shown(source, admin_client):
    assert post(source, envelope(okta_event(1, "brand.new.okta.type"))).status_code == 204
    event = Event.objects.get(source=source)
    assert event.event_type == "brand.new.okta.type"
    page = admin_client.get("/logs").content.decode()
    assert "brand.new.okta.type" in page


def test_wrong_secret_malformed_and_oversized_bodies(source, settings):
    assert post(source, envelope(okta_event(1)), secret=None).status_code == 401
    assert post(source, envelope(okta_event(1)), secret="Bearer nope").status_code == 401
    assert post(source, b"{not json").status_code == 400
    assert post(source, b'{"data": {"events": 3}}').status_code == 400
    settings.HOOKS_INGEST_MAX_BYTES = 200
    assert post(source, envelope(okta_event(1))).status_code == 413
    assert not Event.objects.filter(source=source).exists()


def test_an_inactive_or_unknown_source_takes_nothing(source):
    source_deactivate(source=source, actor=SYSTEM)
    assert post(source, envelope(okta_event(1))).status_code == 403
    assert (
        Client()
        .post(
            "/ingest/okta/0srNOPE",
            b"{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=SECRET,
        )
        .status_code
        == 404
    )
    assert not Event.objects.filter(source=source).exists()


def test_incoming_events_go_through_local_hooks_and_their_filters(source, create_hook):
    hook = create_hook(
        events={
            "type": "EVENT_TYPE",
            "items": ["user.lifecycle.create"],
            "filter": {
                "type": "EXPRESSION_LANGUAGE",
                "eventFilterMap": [
                    {
                        "event": "user.lifecycle.create",
                        "condition": {
                            "version": None,
                            "expression": "event.actor.alternateId eq 'ann@example.com'",
                        },
                    }
                ],
            },
        },
    )
    EventHook.objects.filter(pk=hook["id"]).update(verification_status="VERIFIED")
    other = okta_event(2)
    other["actor"] = {"id": "00u2", "type": "User", "alternateId": "bob@example.com"}
    assert post(source, envelope(okta_event(1), other)).status_code == 204
    matched = OutboxEntry.objects.filter(hook_id=hook["id"]).values_list("event__uuid", flat=True)
    assert list(matched) == [okta_event(1)["uuid"]]


def test_one_bad_event_does_not_cost_the_others(source):
    assert post(source, envelope(okta_event(1), {"eventType": "x"}, "junk")).status_code == 204
    assert Event.objects.filter(source=source).count() == 1
    source.refresh_from_db()
    assert "2 events refused" in source.last_error


def test_metrics_per_source(source):
    from hooks.ops.metrics import exposition

    post(source, envelope(okta_event(1), okta_event(2)))
    post(source, envelope({"eventType": "x"}))
    text = exposition().decode()
    key = f'source_id="{source.pk}",source_name="Okta hook",type="OKTA_EVENT_HOOK"'
    assert f"hooks_source_events_received_total{{{key}}} 2.0" in text
    assert f"hooks_source_errors_total{{{key}}} 1.0" in text
