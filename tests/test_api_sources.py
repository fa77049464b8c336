"""`/api/v1/sources`: create, read, replace, lifecycle, delete, validation, audit."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hooks.models import Event, Source

pytestmark = pytest.mark.django_db

HOOK_SOURCE = {
    "name": "Acme event hook",
    "type": "OKTA_EVENT_HOOK",
    "config": {
        "authScheme": {"type": "HEADER", "key": "Authorization", "value": "Bearer okta-secret"}
    },
}
READER = {
    "name": "Acme System Log",
    "type": "OKTA_SYSTEM_LOG",
    "config": {
        "orgUrl": "https://acme.okta.com/",
        "token": "00tok-en",
        "filter": 'eventType sw "user."',
        "since": "2026-01-01T00:00:00Z",
    },
}


def create(api, body, status=200):
    response = api.post("/api/v1/sources", body, format="json")
    assert response.status_code == status, response.content
    return response.json()


def causes(body) -> list[str]:
    return [c["errorSummary"] for c in body["errorCauses"]]


def test_an_event_hook_source_has_an_ingest_url_and_hides_its_secret(api):
    body = create(api, HOOK_SOURCE)
    assert body["id"].startswith("0sr") and len(body["id"]) == 20
    assert body["status"] == "ACTIVE" and body["type"] == "OKTA_EVENT_HOOK"
    assert body["ingestUrl"] == f"http://testserver/ingest/okta/{body['id']}"
    assert body["config"] == {"authScheme": {"type": "HEADER", "key": "Authorization"}}
    assert body["eventsReceived"] == 0 and body["lastEventAt"] is None
    assert body["lastError"] is None and body["created"].endswith("Z")
    assert set(body["_links"]) == {"self", "deactivate"}
    row = Source.objects.get(pk=body["id"])
    assert "okta-secret" not in row.auth_value_encrypted and row.auth_value == "Bearer okta-secret"
    assert "okta-secret" not in str(api.get("/api/v1/sources").json())


def test_a_reader_source_reports_its_lag_and_hides_its_token(api):
    body = create(api, READER)
    assert body["config"] == {
        "orgUrl": "https://acme.okta.com",
        "filter": 'eventType sw "user."',
        "since": "2026-01-01T00:00:00.000Z",
    }
    assert body["lagSeconds"] is None and "ingestUrl" not in body
    assert "00tok-en" not in str(body)
    assert Source.objects.get(pk=body["id"]).token == "00tok-en"


def test_a_reader_starts_now_by_default(api):
    body = create(
        api, {**READER, "config": {k: v for k, v in READER["config"].items() if k != "since"}}
    )
    assert body["config"]["since"][:4] >= "2026"


def test_list_get_and_404(api):
    first = create(api, HOOK_SOURCE)
    second = create(api, READER)
    listed = api.get("/api/v1/sources").json()
    assert [s["id"] for s in listed] == [first["id"], second["id"]]
    assert api.get(f"/api/v1/sources/{first['id']}").json()["name"] == "Acme event hook"
    missing = api.get("/api/v1/sources/0srNOPE")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({**HOOK_SOURCE, "name": ""}, "name: The field cannot be left blank"),
        ({**HOOK_SOURCE, "name": "x" * 256}, "name: Must be at most 255 characters"),
        (
            {**HOOK_SOURCE, "type": "WEBHOOK"},
            "type: Must be one of OKTA_EVENT_HOOK, OKTA_SYSTEM_LOG",
        ),
        ({**HOOK_SOURCE, "config": {}}, "config.authScheme.key: The ingest URL needs a header"),
        (
            {**HOOK_SOURCE, "config": {"authScheme": {"key": "Content-Type", "value": "x"}}},
            "config.authScheme.key: 'Content-Type' is reserved",
        ),
        (
            {**HOOK_SOURCE, "config": {"authScheme": {"key": "X-Secret", "value": "caf\u00e9"}}},
            "config.authScheme.value: The value of X-Secret may only contain printable ASCII",
        ),
        (
            {**HOOK_SOURCE, "config": {"authScheme": {"key": "X Bad", "value": "v"}}},
            "config.authScheme.key: 'X Bad' is not a valid header name",
        ),
        (
            {**READER, "config": {**READER["config"], "orgUrl": "http://acme.okta.com"}},
            "config.orgUrl: ",
        ),
        (
            {**READER, "config": {**READER["config"], "orgUrl": "https://10.0.0.7"}},
            "config.orgUrl: ",
        ),
        (
            {**READER, "config": {**READER["config"], "orgUrl": "https://acme.okta.com:22"}},
            "config.orgUrl: ",
        ),
        (
            {**READER, "config": {**READER["config"], "orgUrl": "https://acme.okta.com/api"}},
            "config.orgUrl: Give the org's address only",
        ),
        (
            {**READER, "config": {**READER["config"], "token": ""}},
            "config.token: The field cannot be left blank",
        ),
        ({**READER, "config": {**READER["config"], "filter": "eventType eq"}}, "config.filter: "),
        ({**READER, "config": {**READER["config"], "since": "yesterday"}}, "config.since: "),
    ],
)
def test_validation_names_the_cause(api, body, expected):
    answer = create(api, body, status=400)
    assert answer["errorCode"] == "E0000001"
    assert any(c.startswith(expected) for c in causes(answer)), causes(answer)


def test_names_are_unique(api):
    create(api, HOOK_SOURCE)
    answer = create(api, {**READER, "name": HOOK_SOURCE["name"]}, status=400)
    assert causes(answer) == ["name: A source named 'Acme event hook' already exists"]


def test_put_keeps_write_only_secrets_and_refuses_a_type_change(api):
    body = create(api, HOOK_SOURCE)
    url = f"/api/v1/sources/{body['id']}"
    changed = {**body, "name": "Renamed"}
    answer = api.put(url, changed, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["name"] == "Renamed"
    assert Source.objects.get(pk=body["id"]).auth_value == "Bearer okta-secret"
    answer = api.put(url, {**changed, "type": "OKTA_SYSTEM_LOG"}, format="json")
    assert answer.status_code == 400
    assert "type: The type of a source cannot be changed" in causes(answer.json())[0]


def test_put_with_a_new_org_starts_the_reader_again(api):
    body = create(api, READER)
    Source.objects.filter(pk=body["id"]).update(
        position="https://acme.okta.com/api/v1/logs?after=x"
    )
    config = {**body["config"], "orgUrl": "https://other.okta.com"}
    answer = api.put(f"/api/v1/sources/{body['id']}", {**body, "config": config}, format="json")
    assert answer.status_code == 200, answer.content
    row = Source.objects.get(pk=body["id"])
    assert row.position == "" and row.token == "00tok-en"


def test_lifecycle_delete_and_audit_trail(api):
    body = create(api, HOOK_SOURCE)
    url = f"/api/v1/sources/{body['id']}"
    refused = api.delete(url)
    assert refused.status_code == 400 and "Deactivate it first" in causes(refused.json())[0]
    inactive = api.post(f"{url}/lifecycle/deactivate").json()
    assert inactive["status"] == "INACTIVE"
    assert set(inactive["_links"]) == {"activate", "self", "delete"}
    assert api.post(f"{url}/lifecycle/activate").json()["status"] == "ACTIVE"
    api.post(f"{url}/lifecycle/deactivate")
    assert api.delete(url).status_code == 204
    assert not Source.objects.filter(pk=body["id"]).exists()
    trail = list(
        Event.objects.filter(data__target__0__id=body["id"])
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert trail == [
        "source.created",
        "source.deactivated",
        "source.activated",
        "source.deactivated",
        "source.deleted",
    ]


def test_source_audit_types_cannot_be_published(api):
    answer = api.post("/api/v1/events", {"eventType": "source.created"}, format="json")
    assert answer.status_code == 400


def test_only_super_admins(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    assert client.get("/api/v1/sources").status_code == 403
    assert APIClient().get("/api/v1/sources").status_code == 401
