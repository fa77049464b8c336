"""Every validation rule of the Event Hooks API answers 400 E0000001 with a clear cause."""

from __future__ import annotations

import pytest

from hooks.models import Event, EventHook

pytestmark = pytest.mark.django_db


def causes_of(response) -> list[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"].startswith("Api validation failed")
    return [cause["errorSummary"] for cause in body["errorCauses"]]


def post(api, body):
    return api.post("/api/v1/eventHooks", body, format="json")


def test_malformed_json_is_e0000003(api):
    response = api.post("/api/v1/eventHooks", '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "E0000003"


def test_a_body_that_is_not_an_object_is_refused(api):
    assert "must be a JSON object" in causes_of(post(api, ["not", "an", "object"]))[0]


@pytest.mark.parametrize("missing", ["name", "events", "channel"])
def test_required_fields_are_named(api, hook_body, missing):
    del hook_body[missing]
    assert any(cause.startswith(f"{missing}:") for cause in causes_of(post(api, hook_body)))


def test_name_must_be_1_to_255_characters(api, hook_body):
    hook_body["name"] = ""
    assert causes_of(post(api, hook_body)) == ["name: The field cannot be left blank"]
    hook_body["name"] = "x" * 256
    assert causes_of(post(api, hook_body)) == ["name: Must be at most 255 characters"]
    hook_body["name"] = "x" * 255
    assert post(api, hook_body).status_code == 200


def test_name_must_be_unique(api, hook_body):
    assert post(api, hook_body).status_code == 200
    assert causes_of(post(api, hook_body)) == [
        "name: An event hook named 'Sales sync' already exists"
    ]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://receiver.example.com/hook", "https"),
        ("ftp://receiver.example.com/hook", "https"),
        ("https://receiver.example.com/a b", "whitespace"),
        ("https://", "host"),
        ("https://receiver.example.com/" + "a" * 1030, "1024"),
        ("not a url", ""),
    ],
)
def test_uri_rules(api, hook_body, uri, expected):
    hook_body["channel"]["config"]["uri"] = uri
    causes = causes_of(post(api, hook_body))
    assert len(causes) == 1 and causes[0].startswith("channel.config.uri: ")
    assert expected.lower() in causes[0].lower()


def test_http_is_accepted_for_an_allowed_network(api, hook_body, settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    hook_body["channel"]["config"]["uri"] = "http://127.0.0.1:9999/hook"
    assert post(api, hook_body).status_code == 200


@pytest.mark.parametrize(
    ("uri", "cause"),
    [
        (
            "https://receiver.example.com:22/hook",
            "Port 22 is not allowed; allowed ports are 80, 443, 1024-65535.",
        ),
        ("https://receiver.example.com:0/hook", "Port 0 is not a valid port."),
    ],
)
def test_the_port_must_be_allowed(api, hook_body, uri, cause):
    hook_body["channel"]["config"]["uri"] = uri
    assert causes_of(post(api, hook_body)) == [f"channel.config.uri: {cause}"]


def test_event_types_must_be_1_to_300_catalog_eligible_names(api, hook_body, settings):
    hook_body["events"]["items"] = []
    assert causes_of(post(api, hook_body)) == ["events.items: Subscribe to at least one event type"]
    hook_body["events"]["items"] = ["user.lifecycle.create", "no.such.type"]
    assert causes_of(post(api, hook_body)) == [
        "events.items: 'no.such.type' is not an event type in the catalog"
    ]
    hook_body["events"]["items"] = ["event_hook.created"]
    assert causes_of(post(api, hook_body)) == [
        "events.items: 'event_hook.created' is not eligible for event hooks"
    ]
    settings.HOOKS_MAX_EVENT_TYPES = 1
    hook_body["events"]["items"] = ["user.lifecycle.create", "user.lifecycle.activate"]
    assert causes_of(post(api, hook_body)) == [
        "events.items: At most 1 event types per hook, got 2"
    ]


def test_enums_are_checked(api, hook_body):
    hook_body["channel"]["type"] = "OAUTH"
    hook_body["events"]["type"] = "SOMETHING"
    causes = causes_of(post(api, hook_body))
    assert any(c.startswith("channel.type:") for c in causes)
    assert any(c.startswith("events.type:") for c in causes)


@pytest.mark.parametrize(
    "key",
    ["Accept", "content-type", "Content-Length", "Host", "webhook-signature", "Authorization"],
)
def test_reserved_headers_are_refused(api, hook_body, key):
    hook_body["channel"]["config"]["headers"] = [{"key": key, "value": "x"}]
    causes = causes_of(post(api, hook_body))
    assert causes == [
        f"channel.config.headers[0].key: '{key}' is reserved and cannot be set as a custom header"
    ]


def test_header_names_must_be_tokens_and_values_single_lines(api, hook_body):
    hook_body["channel"]["config"]["headers"] = [
        {"key": "Bad Header", "value": "x"},
        {"key": "X-Fine", "value": "line\r\nInjected: yes"},
    ]
    assert causes_of(post(api, hook_body)) == [
        "channel.config.headers[0].key: 'Bad Header' is not a valid header name",
        "channel.config.headers[1].value: Must not contain line breaks",
    ]


def test_the_auth_value_must_not_contain_line_breaks(api, hook_body):
    hook_body["channel"]["config"]["authScheme"]["value"] = "Bearer x\r\nX-Evil: 1"
    assert causes_of(post(api, hook_body)) == [
        "channel.config.authScheme.value: Must not contain line breaks"
    ]


@pytest.mark.parametrize(
    ("value", "code_point"),
    [("10 \u20ac", "U+20AC"), ("a\x01b", "U+0001"), ("a\x7fb", "U+007F"), ("caf\u00e9", "U+00E9")],
)
def test_header_values_must_be_what_http_allows(api, hook_body, value, code_point):
    hook_body["channel"]["config"]["headers"] = [{"key": "X-Price", "value": value}]
    assert causes_of(post(api, hook_body)) == [
        "channel.config.headers[0].value: The value of X-Price may only contain printable "
        f"ASCII characters, spaces and tabs, not {code_point}"
    ]


def test_the_auth_value_must_be_what_http_allows(api, hook_body):
    hook_body["channel"]["config"]["authScheme"]["value"] = "Bearer \u20ac"
    assert causes_of(post(api, hook_body)) == [
        "channel.config.authScheme.value: The value of Authorization may only contain "
        "printable ASCII characters, spaces and tabs, not U+20AC"
    ]


def test_header_names_with_a_trailing_line_break_are_refused(api, hook_body):
    # (authScheme.key arrives whitespace-trimmed by the serializer, so only custom keys.)
    hook_body["channel"]["config"]["headers"] = [{"key": "X-A\n", "value": "v"}]
    assert causes_of(post(api, hook_body)) == [
        "channel.config.headers[0].key: 'X-A\n' is not a valid header name"
    ]


def test_spaces_and_tabs_inside_header_values_are_accepted(api, hook_body):
    hook_body["channel"]["config"]["headers"] = [{"key": "X-Team", "value": "a b\tc ~!"}]
    assert post(api, hook_body).status_code == 200


def custom_headers(count: int, *, value: str = "v") -> list[dict[str, str]]:
    return [{"key": f"X-Custom-{index}", "value": value} for index in range(count)]


def test_at_most_20_custom_headers_are_accepted(api, hook_body):
    hook_body["channel"]["config"]["headers"] = custom_headers(20)
    assert post(api, hook_body).status_code == 200
    hook_body["name"] = "Too many headers"
    hook_body["channel"]["config"]["headers"] = custom_headers(5000)
    assert causes_of(post(api, hook_body)) == [
        "channel.config.headers: At most 20 custom headers, got 5000"
    ]


def test_header_names_and_values_have_a_length_limit(api, hook_body):
    hook_body["channel"]["config"]["headers"] = [
        {"key": "X-" + "n" * 98, "value": "v" * 1024},  # exactly at both limits
        {"key": "X-" + "n" * 99, "value": "v"},
        {"key": "X-Long-Value", "value": "v" * 1025},
    ]
    assert causes_of(post(api, hook_body)) == [
        "channel.config.headers[1].key: Must be at most 100 characters",
        "channel.config.headers[2].value: Must be at most 1024 characters",
    ]


def test_custom_headers_have_a_total_size_limit(api, hook_body):
    # 5 headers of 10 + 1000 characters, +4 each for ": " and CRLF: 5070 bytes.
    hook_body["channel"]["config"]["headers"] = custom_headers(5, value="v" * 1000)
    assert causes_of(post(api, hook_body)) == [
        "channel.config.headers: The custom headers add up to 5070 bytes; at most 4096 are allowed"
    ]


def test_the_auth_key_and_secret_have_a_length_limit(api, hook_body):
    hook_body["channel"]["config"]["authScheme"] = {
        "type": "HEADER",
        "key": "X-" + "a" * 99,
        "value": "s" * 4097,
    }
    assert causes_of(post(api, hook_body)) == [
        "channel.config.authScheme.key: Must be at most 100 characters",
        "channel.config.authScheme.value: Must be at most 4096 characters",
    ]


def test_at_most_hooks_max_active_hooks_are_active(api, hook_body, settings):
    settings.HOOKS_MAX_ACTIVE = 2
    for index in range(2):
        hook_body["name"] = f"hook {index}"
        assert post(api, hook_body).status_code == 200
    hook_body["name"] = "one too many"
    assert causes_of(post(api, hook_body)) == [
        "status: At most 2 event hooks can be ACTIVE; deactivate one first"
    ]
    hook_body["status"] = "INACTIVE"
    inactive = post(api, hook_body).json()
    refused = api.post(f"/api/v1/eventHooks/{inactive['id']}/lifecycle/activate")
    assert causes_of(refused)[0].startswith("status: At most 2")


def test_a_failed_create_leaves_no_row(api, hook_body):
    hook_body["events"]["items"] = ["no.such.type"]
    post(api, hook_body)
    assert EventHook.objects.count() == 0


def test_a_failed_replace_changes_nothing(api, create_hook):
    hook = create_hook()
    echoed = api.get(f"/api/v1/eventHooks/{hook['id']}").json()
    echoed["name"] = "New name"
    echoed["channel"]["config"]["uri"] = "ftp://nope"
    causes_of(api.put(f"/api/v1/eventHooks/{hook['id']}", echoed, format="json"))
    assert EventHook.objects.get(pk=hook["id"]).name == "Sales sync"


def test_nul_characters_are_refused_in_bodies_and_query_strings(api, hook_body):
    hook_body["name"] = "nul\u0000name"
    body = api.post("/api/v1/eventHooks", hook_body, format="json")
    assert body.status_code == 400 and body.json()["errorCode"] == "E0000003"
    query = api.get("/api/v1/eventTypes?q=a%00b")
    assert query.status_code == 400 and query.json()["errorCode"] == "E0000001"


@pytest.mark.parametrize("nul", [b"\\u0000", b"\\U0000", b"\x00", b"\\\\u0000"])
def test_nul_characters_are_refused_in_published_events_in_every_spelling(api, nul):
    body = b'[{"eventType": "user.session.start", "displayMessage": "a' + nul + b'b"}]'
    response = api.post("/api/v1/events", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["errorCode"] == "E0000003"
    assert not Event.objects.filter(event_type="user.session.start").exists()
