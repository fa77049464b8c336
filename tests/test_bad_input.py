"""Every bad input on an /api/ path is a 4xx Okta error object, never a 500 (issue #10)."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import override_settings

from hooks.api.errors import SUMMARIES
from hooks.lib.keyset import encode_cursor

pytestmark = pytest.mark.django_db

OKTA_ERROR_KEYS = {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
# Valid ISO-8601, but the offset moves them outside datetime's years 1..9999 in UTC.
OUT_OF_RANGE_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]
NESTED_DEEP = "[" * 100_000 + "]" * 100_000


def assert_okta_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response.content[:500]
    body = response.json()
    assert set(body) >= OKTA_ERROR_KEYS, body
    assert body["errorCode"] == code, body
    return body


def causes(body: dict) -> list[str]:
    return [cause["errorSummary"] for cause in body["errorCauses"]]


@pytest.fixture
def hook_id(create_hook) -> str:
    return create_hook()["id"]


# --- Request bodies ---------------------------------------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_json_body_over_the_upload_limit_is_413(api):
    body = json.dumps({"eventType": "user.lifecycle.create", "padding": "x" * 2000})
    response = api.post("/api/v1/events", body, content_type="application/json")
    body = assert_okta_error(response, 413, "E0000001")
    assert body["errorSummary"] == "Api validation failed: Request body too large"
    assert causes(body) == ["The request body is larger than 1000 bytes"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_form_body_over_the_upload_limit_is_413_not_a_500(api):
    response = api.post(
        "/api/v1/events", {"padding": "x" * 2000}, format="multipart"
    )  # Django's RequestDataTooBig
    assert_okta_error(response, 413, "E0000001")


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/eventHooks", "/api/v1/filters/test"])
def test_deeply_nested_json_is_malformed(api, path):
    response = api.post(path, NESTED_DEEP, content_type="application/json")
    body = assert_okta_error(response, 400, "E0000003")
    assert "nested" in causes(body)[0]


def test_json_nested_a_little_deeper_than_allowed_is_malformed_too(api):
    """Below Python's recursion limit, yet too deep to store and serialize safely later."""
    nested = {"eventType": "user.lifecycle.create", "debugContext": {}}
    inner = nested["debugContext"]
    for _ in range(300):
        inner["x"] = {}
        inner = inner["x"]
    response = api.post("/api/v1/events", nested, format="json")
    assert_okta_error(response, 400, "E0000003")


# --- limit ------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["²", "١٠", "-1", "0", "1001", "9" * 5000, "1e3", " 5", ""])
def test_a_bad_log_limit_is_400_with_a_cause(api, limit):
    body = assert_okta_error(api.get("/api/v1/logs", {"limit": limit}), 400, "E0000001")
    assert causes(body) == ["limit: must be a whole number from 1 to 1000"]


@pytest.mark.parametrize("limit", ["²", "-3", "201", "9" * 5000])
def test_a_bad_delivery_limit_is_400_with_a_cause(api, hook_id, limit):
    response = api.get(f"/api/v1/eventHooks/{hook_id}/deliveries", {"limit": limit})
    body = assert_okta_error(response, 400, "E0000001")
    assert causes(body) == ["limit: must be a whole number from 1 to 200"]


@pytest.mark.parametrize("limit", ["²", -5, 10**30, "9" * 5000, True, 2.5])
def test_a_bad_backtest_limit_is_400(api, limit):
    body = {"eventType": "user.lifecycle.create", "expression": "true", "limit": limit}
    response = api.post("/api/v1/filters/test", body, format="json")
    assert_okta_error(response, 400, "E0000001")


# --- Timestamps and cursors -------------------------------------------------------------


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES)
def test_out_of_range_log_times_are_400(api, name, moment):
    body = assert_okta_error(api.get("/api/v1/logs", {name: moment}), 400, "E0000001")
    assert causes(body)[0].startswith(f"{name}: '{moment}' is not")


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES)
def test_out_of_range_delivery_times_are_400(api, hook_id, name, moment):
    listing = api.get(f"/api/v1/eventHooks/{hook_id}/deliveries", {name: moment})
    assert_okta_error(listing, 400, "E0000001")
    redeliver = api.post(f"/api/v1/eventHooks/{hook_id}/redeliver", {name: moment}, format="json")
    assert_okta_error(redeliver, 400, "E0000001")


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSORS = [
    _cursor("0001-01-01T00:00:00+01:00|5"),
    _cursor("9999-12-31T23:59:59-01:00|5"),
    _cursor("2025-01-01T00:00:00+00:00|99999999999999999999999999"),
    _cursor("2025-01-01T00:00:00+00:00|²"),
    _cursor("2025-01-01T00:00:00+00:00|-1"),
    _cursor("\xff\xfe|1"),
    "%%%not-base64%%%",
    "A",
    "ü",
    "x" * 10_000,
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_log_cursor_is_400(api, cursor):
    for order in ("ASCENDING", "DESCENDING"):
        response = api.get("/api/v1/logs", {"after": cursor, "sortOrder": order})
        body = assert_okta_error(response, 400, "E0000001")
        assert causes(body)[0].startswith("after: ")


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_delivery_cursor_is_400(api, hook_id, cursor):
    response = api.get(f"/api/v1/eventHooks/{hook_id}/deliveries", {"after": cursor})
    assert_okta_error(response, 400, "E0000001")


def test_a_good_cursor_still_pages(api):
    from datetime import UTC, datetime

    cursor = encode_cursor(datetime(2025, 1, 1, tzinfo=UTC), 1)
    assert api.get("/api/v1/logs", {"after": cursor}).status_code == 200


@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES)
def test_an_out_of_range_published_is_400_with_a_cause(api, moment):
    event = {"eventType": "user.lifecycle.create", "published": moment}
    body = assert_okta_error(api.post("/api/v1/events", event, format="json"), 400, "E0000001")
    assert causes(body)[0].startswith(f"published: '{moment}' is not")


@pytest.mark.parametrize("published", [12, ["2025-01-01"], {"at": 1}, True])
def test_a_published_that_is_not_a_string_is_400(api, published):
    event = {"eventType": "user.lifecycle.create", "published": published}
    assert_okta_error(api.post("/api/v1/events", event, format="json"), 400, "E0000001")


# --- filter and q -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000 + 'eventType eq "x"' + ")" * 5000,
        "not " * 900 + "eventType pr",
        "(" * 5000,
    ],
)
def test_a_deeply_nested_filter_is_400(api, text):
    api.post("/api/v1/events", {"eventType": "user.lifecycle.create"}, format="json")
    body = assert_okta_error(api.get("/api/v1/logs", {"filter": text}), 400, "E0000001")
    assert causes(body)[0].startswith("filter: ")


def test_a_reasonably_nested_filter_still_works(api):
    api.post("/api/v1/events", {"eventType": "user.lifecycle.create"}, format="json")
    plain = api.get("/api/v1/logs", {"filter": 'eventType eq "user.lifecycle.create"'})
    text = "(" * 20 + 'eventType eq "user.lifecycle.create"' + ")" * 20
    response = api.get("/api/v1/logs", {"filter": "not not " + text})
    assert response.status_code == 200 and response.json() == plain.json() != []


# --- The last line of defence -----------------------------------------------------------


def test_an_unexpected_exception_is_a_500_okta_error(api, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("hooks.api.event_views.event_publish", explode)
    response = api.post("/api/v1/events", {"eventType": "user.lifecycle.create"}, format="json")
    body = assert_okta_error(response, 500, "E0000009")
    assert body["errorSummary"] == SUMMARIES["E0000009"]


def test_too_many_query_parameters_are_400(api):
    """Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters (TooManyFieldsSent)."""
    query = "&".join(f"p{i}=1" for i in range(1500))
    assert_okta_error(api.get(f"/api/v1/logs?{query}"), 400, "E0000001")


def test_a_django_400_page_on_an_api_path_is_a_400_okta_error(client, api_token):
    """Django answers a SuspiciousOperation with an HTML 400: it stays a 400, in Okta's form."""
    response = client.get(
        "/api/v1/eventHooks", HTTP_HOST="bad host!", HTTP_AUTHORIZATION=f"SSWS {api_token}"
    )
    assert_okta_error(response, 400, "E0000001")


# --- Over a real socket -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_over_a_real_server_big_and_deep_bodies_are_4xx(live_server, api_token, settings):
    """DRF reads the WSGI stream itself, bypassing Django's check on request.body."""
    import requests

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    url = f"{live_server.url}/api/v1/events"
    headers = {"Authorization": f"SSWS {api_token}", "Content-Type": "application/json"}
    big = json.dumps([{"eventType": "user.lifecycle.create", "pad": "x" * 100}] * 200)
    response = requests.post(url, data=big, headers=headers, timeout=10)
    assert response.status_code == 413, response.text
    assert response.json()["errorCode"] == "E0000001"
    deep = requests.post(url, data=NESTED_DEEP[:20_000], headers=headers, timeout=10)
    assert deep.status_code == 413  # still over the limit: refused before it is parsed
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    deep = requests.post(url, data=NESTED_DEEP, headers=headers, timeout=10)
    assert deep.status_code == 400 and deep.json()["errorCode"] == "E0000003", deep.text


@pytest.mark.parametrize("depth", [1, 2, 63, 64, 65, 66, 300])
def test_the_depth_check_counts_arrays_and_objects_exactly(depth):
    from hooks.lib.bounded_json import MAX_JSON_DEPTH, json_depth_exceeds

    arrays = json.loads("[" * depth + "]" * depth)
    objects = json.loads('{"a":' * depth + "1" + "}" * depth)
    mixed = json.loads('[{"a":' * (depth // 2) + "[]" + "}]" * (depth // 2))
    assert json_depth_exceeds(arrays) is (depth > MAX_JSON_DEPTH)
    assert json_depth_exceeds(objects) is (depth > MAX_JSON_DEPTH)
    assert json_depth_exceeds(mixed) is (2 * (depth // 2) + 1 > MAX_JSON_DEPTH)
    assert json_depth_exceeds(1) is False and json_depth_exceeds("x") is False
