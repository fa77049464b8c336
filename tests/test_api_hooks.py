"""The /api/v1/eventHooks operations: shapes, status codes and lifecycle."""

from __future__ import annotations

import re

import pytest

from hooks.models import EventHook
from tests.conftest import SECRET

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")


def test_create_answers_200_with_an_active_unverified_hook_in_oktas_key_order(api, hook_body):
    response = api.post("/api/v1/eventHooks", hook_body, format="json")
    assert response.status_code == 200
    body = response.json()
    assert list(body)[:11] == [
        "id",
        "status",
        "verificationStatus",
        "name",
        "description",
        "created",
        "createdBy",
        "lastUpdated",
        "events",
        "channel",
        "_links",
    ]
    assert re.fullmatch(r"who[0-9A-Za-z]{17}", body["id"])
    assert body["status"] == "ACTIVE"
    assert body["verificationStatus"] == "UNVERIFIED"
    assert TIMESTAMP.match(body["created"]) and TIMESTAMP.match(body["lastUpdated"])
    assert re.fullmatch(r"00u[0-9A-Za-z]{17}", body["createdBy"])
    assert body["events"] == {
        "type": "EVENT_TYPE",
        "items": ["user.lifecycle.create", "group.user_membership.add"],
        "filter": None,
    }
    assert body["channel"] == {
        "type": "HTTP",
        "version": "1.0.0",
        "config": {
            "uri": "https://receiver.example.com/okta/hooks",
            "headers": [{"key": "X-Other-Header", "value": "some-other-value"}],
            "method": "POST",
            "authScheme": {"type": "HEADER", "key": "Authorization"},
        },
    }
    assert body["signingSecret"].startswith("whsec_")


def test_the_signing_secret_is_returned_once_only(api, create_hook):
    hook = create_hook()
    again = api.get(f"/api/v1/eventHooks/{hook['id']}").json()
    assert "signingSecret" not in again
    assert hook["signingSecret"] not in str(api.get("/api/v1/eventHooks").content)


def test_links_follow_the_status(api, create_hook):
    hook = create_hook()
    base = f"http://testserver/api/v1/eventHooks/{hook['id']}"
    assert hook["_links"] == {
        "self": {"href": base},
        "verify": {"href": f"{base}/lifecycle/verify", "hints": {"allow": ["POST"]}},
        "deactivate": {"href": f"{base}/lifecycle/deactivate", "hints": {"allow": ["POST"]}},
    }
    inactive = api.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate").json()
    assert inactive["status"] == "INACTIVE"
    assert inactive["_links"] == {
        "activate": {"href": f"{base}/lifecycle/activate", "hints": {"allow": ["POST"]}},
        "self": {"href": base},
        "delete": {"href": base, "hints": {"allow": ["DELETE"]}},
    }


def test_links_use_hooks_org_url_when_it_is_set(api, create_hook, settings):
    settings.HOOKS_ORG_URL = "https://hooks.example.org"
    hook = create_hook()
    assert hook["_links"]["self"]["href"].startswith("https://hooks.example.org/api/v1/")


def test_list_returns_every_hook_in_one_plain_array(api, create_hook):
    first = create_hook(name="one")
    second = create_hook(name="two")
    response = api.get("/api/v1/eventHooks")
    assert response.status_code == 200
    assert [hook["id"] for hook in response.json()] == [first["id"], second["id"]]


def test_get_returns_the_hook_and_404_for_an_unknown_id(api, create_hook):
    hook = create_hook()
    assert api.get(f"/api/v1/eventHooks/{hook['id']}").json()["name"] == "Sales sync"
    missing = api.get("/api/v1/eventHooks/whoDOESNOTEXIST0000")
    assert missing.status_code == 404
    body = missing.json()
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"] == "Not found: Resource not found: whoDOESNOTEXIST0000 (EventHook)"
    assert body["errorLink"] == "E0000007"
    assert body["errorId"].startswith("oae")
    assert body["errorCauses"] == []


def test_put_is_a_full_replace_that_ignores_read_only_fields(api, create_hook):
    hook = create_hook()
    echoed = api.get(f"/api/v1/eventHooks/{hook['id']}").json()
    echoed["name"] = "Renamed"
    echoed["verificationStatus"] = "VERIFIED"  # read-only: ignored
    echoed["id"] = "whoSOMETHINGELSE00000"  # read-only: ignored
    del echoed["description"]  # absent optional field: cleared
    del echoed["channel"]["config"]["headers"]
    response = api.put(f"/api/v1/eventHooks/{hook['id']}", echoed, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == hook["id"]
    assert body["name"] == "Renamed"
    assert body["description"] is None
    assert body["verificationStatus"] == "UNVERIFIED"
    assert body["channel"]["config"]["headers"] == []


def test_put_without_an_auth_value_keeps_the_stored_secret(api, create_hook):
    hook = create_hook()
    echoed = api.get(f"/api/v1/eventHooks/{hook['id']}").json()
    echoed["name"] = "Still secret"
    api.put(f"/api/v1/eventHooks/{hook['id']}", echoed, format="json")
    assert EventHook.objects.get(pk=hook["id"]).auth_value == SECRET


def test_put_with_a_new_auth_key_and_no_value_drops_the_secret(api, create_hook):
    hook = create_hook()
    echoed = api.get(f"/api/v1/eventHooks/{hook['id']}").json()
    echoed["channel"]["config"]["authScheme"] = {"type": "HEADER", "key": "X-Api-Key"}
    api.put(f"/api/v1/eventHooks/{hook['id']}", echoed, format="json")
    stored = EventHook.objects.get(pk=hook["id"])
    assert stored.auth_key == "X-Api-Key"
    assert stored.auth_value == ""


def test_a_channel_change_resets_verification(api, create_hook):
    hook = create_hook()
    EventHook.objects.filter(pk=hook["id"]).update(verification_status="VERIFIED")
    echoed = api.get(f"/api/v1/eventHooks/{hook['id']}").json()
    assert echoed["verificationStatus"] == "VERIFIED"
    echoed["name"] = "Only the name changes"
    same = api.put(f"/api/v1/eventHooks/{hook['id']}", echoed, format="json").json()
    assert same["verificationStatus"] == "VERIFIED"
    echoed["channel"]["config"]["uri"] = "https://other.example.com/hook"
    moved = api.put(f"/api/v1/eventHooks/{hook['id']}", echoed, format="json").json()
    assert moved["verificationStatus"] == "UNVERIFIED"


def test_put_honours_status(api, create_hook):
    hook = create_hook()
    echoed = api.get(f"/api/v1/eventHooks/{hook['id']}").json()
    echoed["status"] = "INACTIVE"
    assert (
        api.put(f"/api/v1/eventHooks/{hook['id']}", echoed, format="json").json()["status"]
        == "INACTIVE"
    )


def test_lifecycle_calls_accept_an_empty_octet_stream_body(api, create_hook):
    hook = create_hook()
    response = api.post(
        f"/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate",
        b"",
        content_type="application/octet-stream",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "INACTIVE"
    activated = api.post(
        f"/api/v1/eventHooks/{hook['id']}/lifecycle/activate",
        b"",
        content_type="application/octet-stream",
    )
    assert activated.json()["status"] == "ACTIVE"


def test_delete_needs_an_inactive_hook_and_answers_204_without_a_json_type(api, create_hook):
    hook = create_hook()
    refused = api.delete(f"/api/v1/eventHooks/{hook['id']}")
    assert refused.status_code == 400
    body = refused.json()
    assert body["errorCode"] == "E0000001"
    assert "Deactivate it first" in body["errorCauses"][0]["errorSummary"]
    api.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate")
    deleted = api.delete(f"/api/v1/eventHooks/{hook['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert "application/json" not in deleted.get("Content-Type", "")
    assert not EventHook.objects.filter(pk=hook["id"]).exists()


def test_unknown_paths_and_methods_answer_okta_errors(api, create_hook):
    hook = create_hook()
    missing = api.get("/api/v1/nothingHere")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"
    patch = api.patch(f"/api/v1/eventHooks/{hook['id']}", {}, format="json")
    assert patch.status_code == 405 and patch.json()["errorCode"] == "E0000022"
    slash = api.get("/api/v1/eventHooks/")
    assert slash.status_code == 404 and slash.json()["errorCode"] == "E0000007"


def test_responses_carry_request_id_date_and_rate_limit_headers(api):
    response = api.get("/api/v1/eventHooks")
    assert len(response["X-Okta-Request-Id"]) >= 20
    assert response["Date"].endswith("GMT")
    assert int(response["X-Rate-Limit-Limit"]) > 0
    assert int(response["X-Rate-Limit-Remaining"]) < int(response["X-Rate-Limit-Limit"])
    assert int(response["X-Rate-Limit-Reset"]) > 1_600_000_000


def test_event_types_lists_the_catalog_with_filters(api):
    everything = api.get("/api/v1/eventTypes").json()
    assert sum(1 for row in everything if row["hookEligible"]) == 314
    groups = api.get("/api/v1/eventTypes", {"category": "Groups", "eligible": "true"}).json()
    assert {row["name"] for row in groups} >= {"group.user_membership.add"}
    assert all(row["category"] == "Groups" and row["hookEligible"] for row in groups)
    found = api.get("/api/v1/eventTypes", {"q": "membership.add"}).json()
    assert "group.user_membership.add" in {row["name"] for row in found}
    bad = api.get("/api/v1/eventTypes", {"eligible": "maybe"})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000001"


def test_the_openapi_schema_and_reference_page_are_served_without_a_cdn(admin_client):
    client = admin_client  # with DEBUG off only super admins and tokens get them
    schema = client.get("/api/v1/schema")
    assert schema.status_code == 200
    text = schema.content.decode()
    for operation in (
        "listEventHooks",
        "createEventHook",
        "verifyEventHook",
        "publishEvents",
        "listLogEvents",
        "listEventHookDeliveries",
        "previewEventHook",
    ):
        assert operation in text
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "drf_spectacular_sidecar" in page
    assert "cdn" not in page.lower()


def test_the_system_check_warns_about_unsafe_production_settings(settings):
    from hooks.checks import production_settings_check

    settings.DEBUG = False
    settings.SECRET_KEY = settings.INSECURE_DEV_SECRET_KEY
    settings.ALLOWED_HOSTS = ["*"]
    settings.HOOKS_ALLOWED_NETWORKS = ["0.0.0.0/0"]
    ids = {warning.id for warning in production_settings_check(None)}
    settings.HOOKS_ORG_URL = ""
    ids = {warning.id for warning in production_settings_check(None)}
    # An unset HOOKS_ORG_URL is an error now (hooks.E003, tests/test_org_url.py).
    assert {"hooks.W001", "hooks.W002", "hooks.W003"} <= ids
    settings.DEBUG = True
    assert production_settings_check(None) == []
