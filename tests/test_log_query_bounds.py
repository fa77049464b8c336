"""System Log queries examine at most HOOKS_LOG_SCAN_LIMIT rows per request, and continue."""

from __future__ import annotations

import re

import pytest
from django.db.models import Q

from hooks.systemlog import log_pages
from hooks.systemlog.publishing import event_publish
from hooks.systemlog.query import compile_filter

pytestmark = pytest.mark.django_db

MATCHES = (5, 25, 26, 38)  # of 40 events u00..u39, one a second
WINDOW = {"since": "2026-01-01T00:00:00.000Z", "until": "2026-01-02T00:00:00.000Z"}


@pytest.fixture
def forty_events(settings):
    settings.HOOKS_LOG_SCAN_LIMIT = 10
    event_publish(
        events=[
            {
                "eventType": "user.session.start",
                "uuid": f"u{i:02d}",
                "published": f"2026-01-01T00:00:{i:02d}.000Z",
                "actor": {
                    "id": f"00u{i:02d}",
                    "alternateId": "match@x.io" if i in MATCHES else "other@x.io",
                },
            }
            for i in range(40)
        ]
    )


def next_link(response) -> str | None:
    found = re.search(r'<([^>]+)>; rel="next"', response.get("Link", ""))
    return found.group(1) if found else None


@pytest.fixture
def examined(monkeypatch):
    """How many rows each System Log request examined."""
    from hooks.systemlog import scan as log_scan

    counts: list[int] = []
    real_scan_page = log_scan.scan_page

    def counting_scan_page(*args, **kwargs):
        page = real_scan_page(*args, **kwargs)
        counts.append(page.examined)
        return page

    monkeypatch.setattr(log_scan, "scan_page", counting_scan_page)
    monkeypatch.setattr("hooks.api.event_views.scan_page", counting_scan_page)
    return counts


@pytest.mark.parametrize(
    ("params", "order"),
    [
        ({"filter": 'actor.alternateId eq "match@x.io"'}, "ASCENDING"),
        ({"filter": 'actor.alternateId eq "match@x.io"'}, "DESCENDING"),
        ({"q": "match@x.io"}, "ASCENDING"),
    ],
)
def test_a_scan_stops_at_the_limit_and_its_next_links_yield_every_match_once(
    api, forty_events, examined, params, order
):
    expected = [f"u{i:02d}" for i in MATCHES]
    if order == "DESCENDING":
        expected.reverse()
    response = api.get("/api/v1/logs", {**WINDOW, **params, "limit": 2, "sortOrder": order})
    assert response.status_code == 200
    first = [e["uuid"] for e in response.json()]
    assert first == expected[:1]  # a partial page: the next match is beyond 10 rows
    pages, seen = [first], list(first)
    url = next_link(response)
    while url:
        assert len(pages) < 10, "the links never end"
        response = api.get(url)
        assert response.status_code == 200
        pages.append([e["uuid"] for e in response.json()])
        seen += pages[-1]
        url = next_link(response)
    assert seen == expected
    assert all(len(page) <= 2 for page in pages)
    assert len(examined) == len(pages) and max(examined) <= 10


def test_the_console_log_page_is_bounded_the_same_way(forty_events, examined):
    page = log_pages.log_page(actor="match@x.io")
    assert [e.uuid for e in page.items] == ["u38"]  # newest first; stopped after 10 rows
    seen = [e.uuid for e in page.items]
    for _ in range(10):
        if page.next_cursor is None:
            break
        page = log_pages.log_page(actor="match@x.io", after=page.next_cursor)
        seen += [e.uuid for e in page.items]
    assert page.next_cursor is None
    assert seen == ["u38", "u26", "u25", "u05"]
    assert max(examined) <= 10


def test_the_console_finds_an_actor_by_id_through_the_index(forty_events):
    page = log_pages.log_page(actor="00u05")
    assert [e.uuid for e in page.items] == ["u05"]


def test_actor_id_conditions_narrow_the_query_on_the_actor_column():
    assert compile_filter('actor.id eq "00uX"').narrowing == Q(actor_id="00uX")
    assert compile_filter('actor.id sw "00u"').narrowing == Q(actor_id__startswith="00u")
    # Stored as str(value or "")[:255]: booleans, falsy values and long ids are not exact.
    for unnarrowed in (
        'actor.id eq "true"',
        'actor.id eq "0"',
        'actor.id sw "f"',
        'actor.id eq "' + "x" * 256 + '"',
        'actor.id co "00u"',
    ):
        assert compile_filter(unnarrowed).narrowing is None, unnarrowed


def test_the_console_says_a_short_page_is_a_partial_search(forty_events, admin_client):
    """A page cut by the scan limit says the search goes on, rather than "no entries match"."""
    cursors, page = [None], log_pages.log_page(actor="match@x.io")
    while page.items and page.next_cursor:  # find the empty page: rows u19..u10 hold no match
        cursors.append(page.next_cursor)
        page = log_pages.log_page(actor="match@x.io", after=page.next_cursor)
    assert page.items == [] and page.partial and page.next_cursor

    empty = admin_client.get("/logs", {"actor": "match@x.io", "after": cursors[-1]})
    assert b"match these filters" not in empty.content
    assert b"searched so far" in empty.content
    assert b"Older" in empty.content
    first = admin_client.get("/logs", {"actor": "match@x.io"})
    assert b"searched so far" not in first.content  # u38 was found: an ordinary page
