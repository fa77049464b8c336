"""POST /api/v1/events and GET /api/v1/logs."""

from __future__ import annotations

import re

import pytest

from hooks.models import Event

pytestmark = pytest.mark.django_db


def publish(api, body):
    return api.post("/api/v1/events", body, format="json")


def test_one_event_is_stored_with_server_defaults(api):
    response = publish(api, {"eventType": "user.lifecycle.create"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stored"] == 1 and body["duplicates"] == 0
    event = body["events"][0]
    assert re.fullmatch(r"[0-9a-f-]{36}", event["uuid"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["published"])
    assert event["version"] == "0" and event["severity"] == "INFO"
    assert event["displayMessage"]
    assert event["outcome"] == {"result": "SUCCESS", "reason": None}
    assert list(event)[:6] == [
        "uuid",
        "published",
        "eventType",
        "version",
        "displayMessage",
        "severity",
    ]


def test_a_batch_is_stored_and_publishing_is_idempotent_on_uuid(api):
    batch = [{"eventType": "user.session.start", "uuid": f"uuid-{i}"} for i in range(5)]
    assert publish(api, batch).json()["stored"] == 5
    again = publish(api, batch).json()
    assert again == {"stored": 0, "duplicates": 5, "events": []}
    assert Event.objects.filter(event_type="user.session.start").count() == 5


def test_bad_items_get_a_cause_each_and_nothing_is_stored(api):
    stored_before = Event.objects.count()
    response = publish(
        api,
        [
            {"eventType": "user.lifecycle.create"},
            {"eventType": "no.such.type"},
            {"eventType": "user.lifecycle.create", "severity": "LOUD"},
            "not an object",
            {"eventType": "user.lifecycle.create", "published": "yesterday"},
        ],
    )
    assert response.status_code == 400
    causes = [c["errorSummary"] for c in response.json()["errorCauses"]]
    assert causes == [
        "events[1].eventType: 'no.such.type' is not an event type in the catalog",
        "events[2].severity: must be one of DEBUG, INFO, WARN, ERROR",
        "events[3]: must be a JSON object",
        "events[4].published: 'yesterday' is not an ISO-8601 timestamp between years 1 and "
        "9999 UTC",
    ]
    assert Event.objects.count() == stored_before


def test_more_than_1000_events_are_refused(api):
    response = publish(api, [{"eventType": "user.lifecycle.create"}] * 1001)
    assert response.status_code == 400
    assert "At most 1000" in response.json()["errorCauses"][0]["errorSummary"]


def test_logs_page_with_a_next_link_and_cursor(api):
    publish(api, [{"eventType": "user.session.start", "uuid": f"u{i:02d}"} for i in range(5)])
    first = api.get("/api/v1/logs", {"limit": 2, "filter": 'eventType eq "user.session.start"'})
    assert [e["uuid"] for e in first.json()] == ["u00", "u01"]
    next_link = re.search(r'<([^>]+)>; rel="next"', first["Link"]).group(1)
    second = api.get(next_link.replace("http://testserver", ""))
    assert [e["uuid"] for e in second.json()] == ["u02", "u03"]
    descending = api.get(
        "/api/v1/logs", {"sortOrder": "DESCENDING", "filter": 'eventType eq "user.session.start"'}
    )
    assert [e["uuid"] for e in descending.json()][:2] == ["u04", "u03"]


def test_logs_filter_operators_and_keyword_search(api):
    publish(
        api,
        [
            {"eventType": "user.session.start", "actor": {"id": "00uAAA", "alternateId": "a@x.io"}},
            {
                "eventType": "user.session.end",
                "actor": {"id": "00uBBB", "alternateId": "b@x.io"},
                "target": [{"id": "00gSALES", "type": "UserGroup", "displayName": "Sales"}],
            },
        ],
    )

    def uuids_for(**params):
        return [e["eventType"] for e in api.get("/api/v1/logs", params).json()]

    assert uuids_for(filter='eventType sw "user.session"') == [
        "user.session.start",
        "user.session.end",
    ]
    assert uuids_for(filter='actor.alternateId co "b@"') == ["user.session.end"]
    assert uuids_for(filter='target.id eq "00gSALES"') == ["user.session.end"]
    assert uuids_for(filter='actor.id eq "00uAAA" or target.displayName eq "Sales"') == [
        "user.session.start",
        "user.session.end",
    ]
    assert uuids_for(q="Sales session") == ["user.session.end"]


def test_an_event_type_filter_reads_only_that_types_rows(api):
    """`eventType eq` / `sw` become SQL on the indexed column; the rest stays exact."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    publish(api, [{"eventType": "user.session.start", "uuid": f"s{i:02d}"} for i in range(30)])
    publish(api, [{"eventType": "user.session.end", "uuid": f"e{i:02d}"} for i in range(3)])
    with CaptureQueriesContext(connection) as queries:
        page = api.get("/api/v1/logs", {"limit": 2, "filter": 'eventType eq "user.session.end"'})
    assert [e["uuid"] for e in page.json()] == ["e00", "e01"]
    [read] = [q["sql"] for q in queries.captured_queries if "hooks_event" in q["sql"]]
    assert "event_type" in read.split("WHERE", 1)[1]
    rest = api.get(re.search(r'<([^>]+)>; rel="next"', page["Link"]).group(1))
    assert [e["uuid"] for e in rest.json()] == ["e02"]
    # SQLite's LIKE ignores case: the exact test still applies after the narrowing.
    upper = api.get("/api/v1/logs", {"filter": 'eventType sw "USER.SESSION"'})
    assert upper.json() == []
    mixed = api.get(
        "/api/v1/logs",
        {
            "filter": '(eventType eq "user.session.end" or eventType sw "x") '
            'and not actor.id eq "00uNOBODY"'
        },
    )
    assert [e["uuid"] for e in mixed.json()] == ["e00", "e01", "e02"]


def test_only_conditions_every_match_meets_narrow_the_query():
    from django.db.models import Q

    from hooks.systemlog.query import compile_filter

    assert compile_filter('eventType eq "a"').narrowing == Q(event_type="a")
    assert compile_filter('eventType eq "a" and actor.type eq "b"').narrowing == Q(event_type="a")
    assert compile_filter('eventType eq "a" or eventType sw "b"').narrowing == (
        Q(event_type="a") | Q(event_type__startswith="b")
    )
    for unnarrowed in (
        'eventType eq "a" or actor.alternateId eq "b"',
        'not eventType eq "a"',
        'eventType ne "a"',
        'eventType co "a"',
        'actor.type eq "b"',
    ):
        assert compile_filter(unnarrowed).narrowing is None, unnarrowed


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"filter": "eventType eq"}, "filter"),
        ({"filter": 'eventType like "x"'}, "filter"),
        ({"since": "not-a-time"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"sortOrder": "SIDEWAYS"}, "sortOrder"),
        ({"after": "garbage"}, "after"),
    ],
)
def test_bad_log_queries_are_400_with_a_cause(api, params, field):
    response = api.get("/api/v1/logs", params)
    assert response.status_code == 400
    assert response.json()["errorCauses"][0]["errorSummary"].startswith(f"{field}:")


def test_the_answer_is_what_drf_would_render_with_each_event_encoded_once(api):
    """The answer splices in the JSON text publishing encoded for the database: byte for
    byte what DRF's JSONRenderer writes, also for non-ASCII and U+2028/U+2029."""
    import json

    from django.db import connection
    from rest_framework.renderers import JSONRenderer

    batch = [
        {"eventType": "user.session.start", "uuid": "plain"},
        {
            "eventType": "user.session.start",
            "uuid": "unusual",
            "displayMessage": 'José "quoted" \\ line\u2028sep\u2029 😀 \u00e9',
            "debugContext": {"debugData": {"n": 1.5, "t": True, "none": None, "list": [1, {}]}},
        },
        {"eventType": "user.session.start", "uuid": "plain"},  # a duplicate within the batch
    ]
    publish(api, [{"eventType": "user.session.start", "uuid": "stored-before"}])
    response = publish(api, [*batch, {"eventType": "user.session.start", "uuid": "stored-before"}])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["stored"] == 2 and body["duplicates"] == 2
    assert response.content == JSONRenderer().render(body)
    assert b"\\u2028" in response.content and "José".encode() in response.content
    stored = Event.objects.get(uuid="unusual")
    assert stored.data == body["events"][1]
    assert stored.data["displayMessage"] == batch[1]["displayMessage"]
    if connection.vendor == "sqlite":  # the text stored is the one answered
        with connection.cursor() as cursor:
            cursor.execute("SELECT data FROM hooks_event WHERE uuid = %s", ["unusual"])
            text = cursor.fetchone()[0]
        assert text == json.dumps(stored.data, separators=(",", ":"), ensure_ascii=False)
