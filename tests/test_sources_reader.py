"""System Log readers (hooks/sources/reader.py) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from hooks.eventhooks.services import SYSTEM
from hooks.models import Event, Source
from hooks.sources.reader import lag_seconds, next_link, read_source
from hooks.sources.services import source_create
from hooks.sources.validation import SourceSpec
from tests.fake_okta import FakeOkta, okta_event

pytestmark = pytest.mark.django_db
TOKEN = "00abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"


@pytest.fixture(autouse=True)
def fast_reader(settings):
    settings.HOOKS_SOURCE_PAGE_LIMIT = 10
    settings.HOOKS_SOURCE_POLL_INTERVAL = 0.3
    settings.HOOKS_SOURCE_READ_SECONDS = 1.0
    settings.HOOKS_SOURCE_TIMEOUT = 5.0


def make_reader(org_url: str, **changes) -> Source:
    spec = SourceSpec(
        name="Acme org",
        type="OKTA_SYSTEM_LOG",
        org_url=org_url,
        token=TOKEN,
        since=timezone.now() - timedelta(days=1),
        **changes,
    )
    return source_create(spec=spec, actor=SYSTEM)


@pytest.mark.slow  # waits HOOKS_SOURCE_POLL_INTERVAL between pages
def test_it_polls_okta_style_and_stores_every_page_with_its_position():
    with FakeOkta([okta_event(n) for n in range(25)]) as okta:
        source = make_reader(okta.url)
        assert read_source(source.pk) == 25
    first = okta.requests[0]
    assert first["path"] == "/api/v1/logs"
    assert first["query"]["sortOrder"] == "ASCENDING" and "since" in first["query"]
    assert "until" not in first["query"]
    assert first["headers"]["Authorization"] == f"SSWS {TOKEN}"
    assert [r["query"].get("after") for r in okta.requests[1:4]] == ["10", "20", "25"]
    stored = Event.objects.filter(source=source).order_by("published")
    assert [e.uuid for e in stored] == [okta_event(n)["uuid"] for n in range(25)]
    assert stored[0].data["published"] == okta_event(0)["published"]
    source.refresh_from_db()
    assert source.position == f"{okta.url}/api/v1/logs?after=25&limit=10"
    assert source.events_received == 25 and source.lease_owner == ""
    assert source.caught_up_at is not None and lag_seconds(source) < 5


@pytest.mark.slow  # waits HOOKS_SOURCE_POLL_INTERVAL between pages
def test_it_waits_before_following_the_link_of_an_empty_page():
    with FakeOkta([okta_event(n) for n in range(5)]) as okta:
        source = make_reader(okta.url)
        read_source(source.pk)
    times = [r["at"] for r in okta.requests]
    assert len(times) >= 3
    assert times[1] - times[0] < 0.25  # a page with events: straight on
    assert times[2] - times[1] >= 0.3  # an empty page: wait HOOKS_SOURCE_POLL_INTERVAL


def test_a_failed_page_keeps_the_position_of_the_last_stored_page():
    with FakeOkta([okta_event(n) for n in range(25)]) as okta:
        okta.on_request = lambda n: n == 3 and okta.canned.append((500, {}, b"boom"))
        source = make_reader(okta.url)
        assert read_source(source.pk) == 20
    source.refresh_from_db()
    assert source.position.endswith("after=20&limit=10")
    assert "HTTP 500" in source.last_error and source.errors_total == 1
    assert source.next_poll_at > timezone.now() + timedelta(seconds=30)
    assert source.recent_errors[0]["error"] == source.last_error


@pytest.mark.slow  # waits HOOKS_SOURCE_POLL_INTERVAL between pages
def test_a_later_task_continues_where_the_last_one_stopped_without_duplicates():
    with FakeOkta([okta_event(n) for n in range(15)]) as okta:
        source = make_reader(okta.url)
        read_source(source.pk)
        okta.events += [okta_event(n) for n in range(15, 30)]
        Source.objects.filter(pk=source.pk).update(next_poll_at=None)
        read_source(source.pk)
    assert Event.objects.filter(source=source).count() == 30
    assert okta.requests[-1]["query"].get("after") == "30"


def test_429_waits_for_the_rate_limit_reset():
    with FakeOkta([okta_event(1)]) as okta:
        reset = int(time.time()) + 120
        okta.canned.append(
            (429, {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(reset)}, b"{}")
        )
        source = make_reader(okta.url)
        assert read_source(source.pk) == 0
        assert len(okta.requests) == 1
    source.refresh_from_db()
    assert "429" in source.last_error
    assert source.next_poll_at >= timezone.now() + timedelta(seconds=100)


def test_a_used_up_rate_limit_ends_the_task_until_the_reset():
    with FakeOkta([okta_event(n) for n in range(25)]) as okta:
        okta.extra_headers = {
            "X-Rate-Limit-Remaining": "1",
            "X-Rate-Limit-Reset": str(int(time.time()) + 60),
        }
        source = make_reader(okta.url)
        assert read_source(source.pk) == 10  # one page, then wait for the reset
        assert len(okta.requests) == 1
    source.refresh_from_db()
    assert source.next_poll_at >= timezone.now() + timedelta(seconds=50)
    assert source.position.endswith("after=10&limit=10")


def test_a_next_link_to_another_host_is_never_followed_with_the_token():
    with FakeOkta([okta_event(n) for n in range(5)]) as okta:
        okta.next_origin = "http://127.0.0.2:9"
        source = make_reader(okta.url)
        assert read_source(source.pk) == 0
    source.refresh_from_db()
    assert "leaves the org" in source.last_error and source.position == ""


def test_one_reader_at_a_time():
    with FakeOkta([okta_event(1)]) as okta:
        source = make_reader(okta.url)
        Source.objects.filter(pk=source.pk).update(
            lease_owner="someone-else", lease_expires_at=timezone.now() + timedelta(seconds=60)
        )
        assert read_source(source.pk) == 0
        assert okta.requests == []


def test_a_reader_whose_lease_was_taken_stores_nothing(monkeypatch):
    from hooks.sources import reader

    real_fetch = reader.fetch_page

    def fetch_then_lose_the_lease(source, url):
        page = real_fetch(source, url)
        # Its lease ran out while it fetched (a stalled worker) and another reader took it.
        Source.objects.filter(pk=source.pk).update(lease_owner="thief")
        return page

    monkeypatch.setattr(reader, "fetch_page", fetch_then_lose_the_lease)
    with FakeOkta([okta_event(n) for n in range(5)]) as okta:
        source = make_reader(okta.url)
        assert read_source(source.pk) == 0
    assert not Event.objects.filter(source=source).exists()
    source.refresh_from_db()
    assert source.position == "" and source.lease_owner == "thief"


def test_an_inactive_reader_does_not_read():
    with FakeOkta([okta_event(1)]) as okta:
        source = make_reader(okta.url, status="INACTIVE")
        assert read_source(source.pk) == 0
        assert okta.requests == []


def test_an_oversized_page_is_an_error(settings):
    settings.HOOKS_SOURCE_MAX_BODY = 100
    with FakeOkta([okta_event(n) for n in range(5)]) as okta:
        source = make_reader(okta.url)
        assert read_source(source.pk) == 0
    source.refresh_from_db()
    assert "larger than 100 bytes" in source.last_error


def test_link_header_parsing():
    header = '<https://a/api/v1/logs?x=1>; rel="self", <https://a/api/v1/logs?after=2>; rel="next"'
    assert next_link(header) == "https://a/api/v1/logs?after=2"
    assert next_link('<https://a/x>; rel="self"') is None
    assert json.dumps(None) == "null"


def test_a_reader_mid_page_when_its_query_changes_writes_nothing(monkeypatch):
    from hooks.sources import reader
    from hooks.sources.services import source_replace

    real_fetch = reader.fetch_page

    def fetch_while_an_admin_changes_the_filter(source, url):
        page = real_fetch(source, url)
        spec = SourceSpec(
            name=source.name,
            type=source.type,
            org_url=source.org_url,
            filter='eventType eq "user.session.start"',
        )
        source_replace(source=source, spec=spec, actor=SYSTEM)
        return page

    monkeypatch.setattr(reader, "fetch_page", fetch_while_an_admin_changes_the_filter)
    with FakeOkta([okta_event(n) for n in range(5)]) as okta:
        source = make_reader(okta.url)
        assert read_source(source.pk) == 0
    source.refresh_from_db()
    assert source.position == "" and not Event.objects.filter(source=source).exists()
