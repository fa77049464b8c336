"""/metrics: Prometheus text computed from the database, behind a bearer token, no secrets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from hooks.models import Delivery, DeliveryAttempt, Event, EventHook, Heartbeat, OutboxEntry
from hooks.ops import metrics

pytestmark = pytest.mark.django_db

METRICS_TOKEN = "scrape-me-9f8e7d"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    """With DEBUG off (as pytest-django runs tests) /metrics needs its token."""
    settings.HOOKS_METRICS_TOKEN = METRICS_TOKEN


@pytest.fixture
def client():
    """A scraper: every request carries the bearer token."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one scrape."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def make_hook(name: str, **fields) -> EventHook:
    fields = {"status": "ACTIVE", "verification_status": "VERIFIED", **fields}
    return EventHook.objects.create(
        name=name, uri="https://example.com/h", event_types=["user.lifecycle.create"], **fields
    )


def make_event(uuid: str) -> Event:
    return Event.objects.create(
        uuid=uuid, published=timezone.now(), event_type="user.lifecycle.create", data={}
    )


def age(row, seconds: float) -> None:
    type(row).objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.fixture
def traffic():
    """Two hooks, deliveries in every state, attempts with known durations, an outbox."""
    good = make_hook("Good", last_success_at=timezone.now())
    bad = make_hook('Bad "quoted"', consecutive_failures=7, failing_since=timezone.now())
    bad.set_auth_value("Bearer top-secret-value")
    bad.save()
    done = Delivery.objects.create(hook=good, status="SUCCEEDED")
    for number, ms in enumerate([3.0, 40.0, 40.0, 700.0], start=1):
        DeliveryAttempt.objects.create(
            delivery=done,
            number=number,
            duration_ms=ms,
            started_at=timezone.now(),
            outcome="SUCCESS",
        )
    DeliveryAttempt.objects.create(
        delivery=Delivery.objects.create(hook=bad, status="SENDING"),
        number=1,
        started_at=timezone.now(),
    )
    Delivery.objects.create(hook=bad, status="FAILED")
    pending = Delivery.objects.create(
        hook=bad, status="PENDING", next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    age(pending, 90)
    old = Delivery.objects.create(hook=good, status="SUCCEEDED")
    age(old, 3600)  # outside the 5-minute window
    for index in range(3):
        match = OutboxEntry.objects.create(hook=bad, event=make_event(f"m{index}"))
        age(match, 30 + index)
    Heartbeat.objects.create(name="worker@host-a", seen_at=timezone.now() - timedelta(seconds=8))
    return good, bad


def test_every_metric_comes_from_the_database(client, traffic):
    good, bad = traffic
    samples = scrape(client)

    def value(sample, **labels):
        return samples[(sample, tuple(sorted(labels.items())))]

    assert value("hooks_events_published_total") == Event.objects.latest("id").id
    assert value("hooks_deliveries_created_total") == Delivery.objects.latest("id").id
    assert value("hooks_delivery_attempts_total") == DeliveryAttempt.objects.latest("id").id
    assert value("hooks_recent_deliveries", kind="EVENTS", status="SUCCEEDED") == 1
    assert value("hooks_recent_deliveries", kind="EVENTS", status="FAILED") == 1
    assert value("hooks_recent_deliveries", kind="EVENTS", status="PENDING") == 1
    assert value("hooks_recent_delivery_attempts", outcome="SUCCESS") == 4
    assert value("hooks_recent_delivery_attempts", outcome="IN_PROGRESS") == 1
    histogram = "hooks_delivery_attempt_duration_seconds_bucket"
    assert value(histogram, le="0.005") == 1
    assert value(histogram, le="0.05") == 3
    assert value(histogram, le="1.0") == 4
    assert value(histogram, le="+Inf") == 4
    assert value("hooks_delivery_attempt_duration_seconds_gsum") == pytest.approx(0.783)
    assert value("hooks_queue_unclaimed_matches") == 3
    assert value("hooks_queue_deliveries", status="PENDING") == 1
    assert value("hooks_queue_deliveries", status="SENDING") == 1
    assert value("hooks_queue_overdue_retries") == 1
    assert value("hooks_oldest_pending_delivery_age_seconds") == pytest.approx(90, abs=5)
    assert value("hooks_oldest_unclaimed_match_age_seconds") == pytest.approx(32, abs=5)
    bad_labels = {"hook_id": bad.id, "hook_name": 'Bad "quoted"'}
    assert value("hooks_hook_consecutive_failures", **bad_labels) == 7
    assert value("hooks_hook_unclaimed_matches", **bad_labels) == 3
    assert value("hooks_hook_deliverable", hook_id=good.id, hook_name="Good") == 1
    assert value("hooks_hook_last_success_timestamp_seconds", **bad_labels) == 0
    assert value("hooks_hooks", status="ACTIVE", verification="VERIFIED") == 2
    heartbeat_age = samples[("hooks_heartbeat_age_seconds", (("name", "worker@host-a"),))]
    assert heartbeat_age == pytest.approx(8, abs=5)
    assert value("hooks_metrics_window_seconds") == 300


def test_no_secret_is_ever_exposed(client, traffic, settings):
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert "top-secret-value" not in text
    assert settings.SECRET_KEY not in text
    assert "https://example.com" not in text  # endpoint URLs are not metrics either


def test_a_scrape_costs_the_same_few_queries_whatever_the_data(
    client, traffic, django_assert_max_num_queries
):
    for index in range(20):
        make_hook(f"extra {index}", status="INACTIVE")
    with django_assert_max_num_queries(20):
        scrape(client)


def test_the_window_setting_bounds_the_recent_figures(client, traffic, settings):
    settings.HOOKS_METRICS_WINDOW = 2 * 3600
    samples = scrape(client)
    key = ("hooks_recent_deliveries", (("kind", "EVENTS"), ("status", "SUCCEEDED")))
    assert samples[key] == 2


def test_recent_attempts_read_a_bounded_id_range(traffic):
    since = timezone.now() - timedelta(minutes=5)
    assert metrics.recent_attempts(since).count() == 5
    assert metrics.recent_attempts(since, sample=2).count() == 2
    assert metrics.attempt_latencies(since) == [3.0, 40.0, 40.0, 700.0]
    assert metrics.percentile([3.0, 40.0, 40.0, 700.0], 50) == 40.0
    assert metrics.percentile([], 95) is None


def test_an_empty_database_scrapes_cleanly(client):
    samples = scrape(client)
    assert samples[("hooks_events_published_total", ())] == 0
    assert samples[("hooks_oldest_pending_delivery_age_seconds", ())] == 0


def test_the_bearer_token_protects_metrics():
    anonymous = Client()
    response = anonymous.get("/metrics")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert anonymous.get("/metrics", HTTP_AUTHORIZATION="Basic scrape-me-9f8e7d").status_code == 401
    scrape(anonymous, HTTP_AUTHORIZATION="Bearer scrape-me-9f8e7d")
    scrape(anonymous, HTTP_AUTHORIZATION="bearer scrape-me-9f8e7d")


def test_a_database_failure_is_a_503_not_a_stack_trace(client, monkeypatch):
    def broken():
        raise RuntimeError("postgres://hooks:secret@db/hooks")

    monkeypatch.setattr(metrics, "exposition", broken)
    response = client.get("/metrics")
    assert response.status_code == 503
    assert b"secret" not in response.content and b"RuntimeError" in response.content


def test_metrics_is_get_only(client):
    assert client.post("/metrics").status_code == 405
