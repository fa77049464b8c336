"""`GET /api/v1/logs` polls like Okta's: without `until` there is always a `next` link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db
SINCE = "2026-01-01T00:00:00.000Z"


def publish(*numbers: int, actor: str = "other@x.io") -> None:
    event_publish(
        events=[
            {
                "eventType": "user.session.start",
                "uuid": f"p{n:03d}",
                "published": f"2026-01-01T00:00:{n:02d}.000Z",
                "actor": {"id": "00u1", "alternateId": actor},
            }
            for n in numbers
        ]
    )


def next_link(response) -> str | None:
    found = re.search(r'<([^>]+)>; rel="next"', response.get("Link", ""))
    return found.group(1) if found else None


def follow(api, url: str):
    parts = urlsplit(url)
    return api.get(f"{parts.path}?{parts.query}")


def test_an_empty_page_has_a_next_link_that_sees_later_events(api):
    first = api.get(
        "/api/v1/logs",
        {"since": SINCE, "sortOrder": "ASCENDING", "filter": 'eventType eq "user.session.start"'},
    )
    assert first.status_code == 200 and first.json() == []
    link = next_link(first)
    assert link is not None and "since=" in link and "until" not in link
    publish(0, 1)
    second = follow(api, link)
    assert [e["uuid"] for e in second.json()] == ["p000", "p001"]
    third = follow(api, next_link(second))  # the last page: still a link, now empty
    assert third.json() == [] and next_link(third) is not None
    publish(2)
    assert [e["uuid"] for e in follow(api, next_link(third)).json()] == ["p002"]
    # Following an empty page's link again neither skips nor repeats.
    assert follow(api, next_link(third)).json()[0]["uuid"] == "p002"


def test_pages_with_a_limit_chain_to_the_end_and_beyond(api):
    publish(*range(5))
    url = f"/api/v1/logs?since={SINCE}&limit=2&filter=eventType+eq+%22user.session.start%22"
    seen = []
    for _ in range(4):
        response = api.get(url) if url.startswith("/") else follow(api, url)
        seen += [e["uuid"] for e in response.json()]
        url = next_link(response)
        assert url is not None
    assert seen == [f"p{n:03d}" for n in range(5)]


def test_with_until_the_last_page_has_no_next_link(api):
    publish(0, 1)
    response = api.get("/api/v1/logs", {"since": SINCE, "until": "2026-01-01T00:01:00.000Z"})
    assert len(response.json()) == 2 and next_link(response) is None


def test_descending_pages_end_as_before(api):
    publish(0)
    response = api.get(
        "/api/v1/logs",
        {"since": SINCE, "sortOrder": "DESCENDING", "filter": 'eventType eq "user.session.start"'},
    )
    assert len(response.json()) == 1 and next_link(response) is None


def test_bounded_scans_still_continue_and_then_poll(api, settings):
    settings.HOOKS_LOG_SCAN_LIMIT = 3
    publish(*range(8))
    publish(8, actor="match@x.io")
    url = f"/api/v1/logs?since={SINCE}&q=match%40x.io"
    found, partial_pages = [], 0
    for _ in range(6):
        response = api.get(url) if url.startswith("/") else follow(api, url)
        found += [e["uuid"] for e in response.json()]
        partial_pages += not response.json()
        url = next_link(response)
        assert url is not None
        if found:
            break
    assert found == ["p008"] and partial_pages >= 2
    publish(9, actor="match@x.io")
    assert [e["uuid"] for e in follow(api, url).json()] == ["p009"]
