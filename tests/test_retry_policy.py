"""hooks.delivery.retry_policy.decide, outcome by outcome: pure, no database, no network."""

from __future__ import annotations

import pytest

from hooks.delivery import retry_policy
from hooks.delivery.retry_policy import JITTER, MAX_RETRY_AFTER, Decision, decide, max_attempts
from hooks.outbound.transport import DeliveryResult

SCHEDULE = [0, 60, 300]


@pytest.fixture(autouse=True)
def schedule(settings):
    settings.HOOKS_RETRY_SCHEDULE = list(SCHEDULE)


@pytest.fixture
def no_jitter(monkeypatch):
    """random.uniform returns the middle of its range: delays are the schedule's own."""
    monkeypatch.setattr(retry_policy.random, "uniform", lambda low, high: (low + high) / 2)


def answer(
    status: int | None, *, error: str = "", retry_after: float | None = None, blocked: bool = False
) -> DeliveryResult:
    return DeliveryResult(status, {}, "", 1.0, error, retry_after, blocked=blocked)


TIMEOUT = answer(None, error="Read timed out after 10 s")
REFUSED = answer(None, error="Connection refused")


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_a_2xx_succeeds_whatever_the_attempt(status):
    assert decide(answer(status), attempts_made=1) == Decision(succeeded=True)
    assert decide(answer(status), attempts_made=99) == Decision(succeeded=True)


@pytest.mark.parametrize("status", [301, 304, 400, 401, 403, 404, 405, 413, 422, 499])
def test_a_4xx_other_than_408_and_429_and_a_3xx_are_final(status):
    decision = decide(answer(status), attempts_made=1)
    assert decision == Decision(final=True)
    assert not decision.gone


def test_a_410_is_final_and_marks_the_endpoint_gone():
    assert decide(answer(410), attempts_made=1) == Decision(final=True, gone=True)
    # even with a Retry-After and retries left
    assert decide(answer(410, retry_after=5), attempts_made=1).gone


RETRYABLE = {
    "408": answer(408),
    "429": answer(429),
    "500": answer(500),
    "502": answer(502),
    "503": answer(503),
    "599": answer(599),
    "timeout": TIMEOUT,
    "refused": REFUSED,
}


@pytest.mark.parametrize("result", RETRYABLE.values(), ids=RETRYABLE.keys())
def test_retryable_outcomes_retry_on_the_schedule(result, no_jitter):
    assert decide(result, attempts_made=1) == Decision(delay=0)  # Okta's immediate retry
    assert decide(result, attempts_made=2) == Decision(delay=60)
    assert decide(result, attempts_made=3) == Decision(delay=300)


@pytest.mark.parametrize("result", [answer(500), answer(429), TIMEOUT])
def test_once_the_schedule_is_exhausted_the_delivery_is_final(result):
    attempts = max_attempts()
    assert attempts == 1 + len(SCHEDULE)
    assert decide(result, attempts_made=attempts - 1).delay is not None
    assert decide(result, attempts_made=attempts) == Decision(final=True)
    assert decide(result, attempts_made=attempts + 5) == Decision(final=True)


def test_an_empty_schedule_makes_the_first_failure_final(settings):
    settings.HOOKS_RETRY_SCHEDULE = []
    assert max_attempts() == 1
    assert decide(answer(503), attempts_made=1) == Decision(final=True)


def test_a_refused_destination_is_final_even_without_a_status():
    blocked = answer(None, error="destination not allowed", blocked=True)
    assert decide(blocked, attempts_made=1) == Decision(final=True)
    assert not retry_policy.is_retryable(blocked)


def test_retry_after_is_honoured_when_later_than_the_schedule(no_jitter):
    assert decide(answer(429, retry_after=120), attempts_made=1).delay == 120
    assert decide(answer(503, retry_after=120), attempts_made=2).delay == 120


def test_retry_after_never_brings_a_retry_forward(no_jitter):
    assert decide(answer(503, retry_after=5), attempts_made=3).delay == 300
    assert decide(answer(503, retry_after=0), attempts_made=2).delay == 60


def test_retry_after_is_capped_at_a_day(no_jitter):
    decision = decide(answer(429, retry_after=10 * MAX_RETRY_AFTER), attempts_made=1)
    assert decision.delay == MAX_RETRY_AFTER == 24 * 3600


def test_retry_after_does_not_extend_an_exhausted_schedule():
    assert decide(answer(429, retry_after=30), attempts_made=max_attempts()).final


@pytest.mark.parametrize("extreme", [1 - JITTER, 1 + JITTER])
def test_jitter_is_applied_within_twenty_percent_at_its_bounds(monkeypatch, extreme):
    bounds = []

    def uniform(low, high):
        bounds.append((low, high))
        return extreme

    monkeypatch.setattr(retry_policy.random, "uniform", uniform)
    assert decide(answer(500), attempts_made=2).delay == pytest.approx(60 * extreme)
    assert bounds == [(pytest.approx(0.8), pytest.approx(1.2))]


def test_jittered_delays_stay_within_bounds_and_vary():
    delays = [decide(answer(500), attempts_made=3).delay for _ in range(500)]
    assert all(300 * (1 - JITTER) <= d <= 300 * (1 + JITTER) for d in delays)
    assert len(set(delays)) > 1


def test_the_immediate_retry_gets_no_jitter(monkeypatch):
    monkeypatch.setattr(retry_policy.random, "uniform", lambda *_: pytest.fail("jittered"))
    assert decide(TIMEOUT, attempts_made=1) == Decision(delay=0)


def test_probes_do_not_end_the_schedule_before_its_total_time(no_jitter):
    """Probes are attempts: once the steps are used up, the delivery still waits until the
    schedule's total time since its first try has passed, then gives up."""
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 1, 1, tzinfo=UTC)
    total = sum(SCHEDULE)
    attempts = max_attempts() + 3  # a few probes beyond the schedule's steps
    early = decide(
        answer(503),
        attempts_made=attempts,
        first_attempt_at=now - timedelta(seconds=total - 100),
        now=now,
    )
    assert early == Decision(delay=100)
    late = decide(
        answer(503),
        attempts_made=attempts,
        first_attempt_at=now - timedelta(seconds=total + 1),
        now=now,
    )
    assert late == Decision(final=True)
