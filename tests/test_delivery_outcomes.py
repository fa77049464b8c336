"""Nothing a receiver answers can wedge a delivery: what is stored of a response is
sanitized and bounded, and a failure while recording an outcome still ends the delivery
(issue #10, item 2). Real receiver on 127.0.0.1; run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from hooks.delivery.sweeper import delivery_sweep
from hooks.models import Delivery, DeliveryAttempt
from tests.test_delivery import publish

pytestmark = pytest.mark.django_db(transaction=True)


def events_delivery() -> Delivery:
    return Delivery.objects.get(kind=Delivery.Kind.EVENTS)


def test_a_nul_byte_in_the_answer_is_stored_sanitized_and_the_delivery_succeeds(
    active_verified_hook,
    receiver,
):
    receiver.set_behaviour(
        status=200, body=b'{"ok": true}\x00after the NUL \xff\xfe', headers={"X-Trace": "a\x00b"}
    )
    publish()
    delivery = events_delivery()
    assert delivery.status == Delivery.Status.SUCCEEDED
    [attempt] = delivery.attempts.all()
    assert attempt.outcome == DeliveryAttempt.Outcome.SUCCESS
    assert "\x00" not in attempt.response_excerpt
    assert attempt.response_excerpt.startswith('{"ok": true}\ufffdafter the NUL')
    assert attempt.response_headers["X-Trace"] == "a\ufffdb"
    assert "\x00" not in json.dumps(attempt.response_headers, ensure_ascii=False)
    assert len(receiver.requests) == 1


def test_a_nul_byte_in_a_failed_answer_is_stored_sanitized_and_retried_on_schedule(
    active_verified_hook,
    receiver,
    settings,
):
    settings.HOOKS_RETRY_SCHEDULE = [0, 60]
    receiver.set_behaviour(status=503, body=b"down\x00", headers={"X-Why": "\x00"})
    publish()
    delivery = events_delivery()
    assert delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at is not None
    assert delivery.attempt_count == 2
    for attempt in delivery.attempts.all():
        assert attempt.response_excerpt == "down\ufffd"
        assert attempt.response_headers["X-Why"] == "\ufffd"


def test_stored_response_headers_are_bounded_with_a_marker(active_verified_hook, receiver):
    # 95 headers of 60 KB: 5.7 MB a response, that would all be stored and rendered.
    huge = {f"X-Big-{i:02d}": "v" * 60_000 for i in range(95)}
    receiver.set_behaviour(status=200, headers=huge)
    publish()
    delivery = events_delivery()
    assert delivery.status == Delivery.Status.SUCCEEDED
    headers = delivery.attempts.get().response_headers
    stored = sum(len(k.encode()) + len(v.encode()) for k, v in headers.items())
    assert len(headers) <= 51  # at most 50, plus the marker
    assert stored <= 8192 + 200
    marker = headers["[truncated]"]
    assert "98" in marker  # says how many there were (95 + Date, Server, Content-Length)


def test_a_few_small_headers_are_stored_whole_without_a_marker(active_verified_hook, receiver):
    receiver.set_behaviour(status=200, headers={"X-Request-Id": "abc"})
    publish()
    headers = events_delivery().attempts.get().response_headers
    assert headers["X-Request-Id"] == "abc"
    assert "[truncated]" not in headers


def test_an_exception_while_recording_a_success_still_ends_the_delivery(
    active_verified_hook,
    receiver,
    monkeypatch,
):
    import hooks.lib.sql

    def broken(*args, **kwargs):
        raise RuntimeError("recording exploded")

    # Every batched write of the normal recording path fails.
    monkeypatch.setattr(hooks.lib.sql, "execute_many", broken)
    publish()
    delivery = events_delivery()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.lease_expires_at is None
    attempt = delivery.attempts.get()
    assert attempt.outcome == DeliveryAttempt.Outcome.SUCCESS
    assert attempt.response_status == 200
    assert len(receiver.requests) == 1


def test_an_exception_while_recording_a_retry_still_schedules_it(
    active_verified_hook,
    receiver,
    settings,
    monkeypatch,
):
    import hooks.lib.sql

    settings.HOOKS_RETRY_SCHEDULE = [0, 60]
    receiver.set_behaviour(status=500)
    real_execute = hooks.lib.sql.execute

    def broken_attempt_update(prepared):
        if prepared[0].startswith('UPDATE "hooks_deliveryattempt"'):
            raise RuntimeError("recording exploded")
        return real_execute(prepared)

    monkeypatch.setattr(hooks.lib.sql, "execute", broken_attempt_update)
    publish()
    delivery = events_delivery()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=30)
    outcomes = list(delivery.attempts.values_list("outcome", flat=True))
    assert outcomes and DeliveryAttempt.Outcome.IN_PROGRESS not in outcomes


def test_a_lease_that_expires_again_counts_as_a_failed_attempt(active_verified_hook, settings):
    """The sweeper's safety net: a delivery whose worker keeps dying (or whose outcome
    keeps failing to be written) is not re-sent every lease for ever."""
    settings.HOOKS_RETRY_SCHEDULE = [0, 60]
    # The first attempt was 61 s ago: the schedule's 60 s have run out.
    delivery = expired_a_second_time(active_verified_hook["id"], attempts=3, first_try_ago=61)
    delivery_sweep()
    delivery.refresh_from_db()
    # Three attempts and the schedule's time used up: exhausted, not re-sent again.
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.lease_expires_at is None and delivery.completed_at is not None
    assert "lease" in delivery.last_error.lower()
    assert DeliveryAttempt.Outcome.IN_PROGRESS not in set(
        delivery.attempts.values_list("outcome", flat=True)
    )


def expired_a_second_time(hook_id: str, *, attempts: int, first_try_ago: float = 0) -> Delivery:
    """A SENDING delivery past its lease whose lease had already expired once before,
    its attempts started `first_try_ago` seconds ago."""
    delivery = Delivery.objects.create(
        hook_id=hook_id,
        status=Delivery.Status.SENDING,
        attempt_count=attempts,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        body="{}",
    )
    now = timezone.now() - timedelta(seconds=first_try_ago)
    for number in range(1, attempts):
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=now,
            outcome=DeliveryAttempt.Outcome.FAILURE,
            error="The worker stopped during this attempt; the delivery was re-queued.",
        )
    DeliveryAttempt.objects.create(delivery=delivery, number=attempts, started_at=now)
    return delivery


def test_a_second_expired_lease_with_retries_left_waits_for_the_schedule(
    active_verified_hook,
    receiver,
    settings,
):
    settings.HOOKS_RETRY_SCHEDULE = [0, 60, 60, 60]
    delivery = expired_a_second_time(active_verified_hook["id"], attempts=2)
    delivery_sweep()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert receiver.requests == []


def test_clean_text_replaces_nul_invalid_utf8_and_lone_surrogates():
    from hooks.delivery.stored_response import clean_text

    assert clean_text(b"ok\x00\xff") == "ok\ufffd\ufffd"
    assert clean_text("a\x00b") == "a\ufffdb"
    assert clean_text("bad \udcff end") == "bad ? end"
    assert clean_text(None) == ""


def test_one_header_larger_than_the_budget_is_cut_to_fit(settings):
    from hooks.delivery.stored_response import TRUNCATED_KEY, bounded_headers

    kept = bounded_headers({"X-Huge": "é" * 10_000, "X-Next": "never stored"})
    assert len(kept["X-Huge"].encode()) <= settings.HOOKS_RESPONSE_HEADERS_MAX_BYTES
    assert "X-Next" not in kept and "2 headers received" in kept[TRUNCATED_KEY]


def test_an_answer_that_cannot_be_sanitized_keeps_its_status():
    from hooks.delivery.stored_response import stored_result
    from hooks.outbound.transport import DeliveryResult

    odd = DeliveryResult(200, {"X-Count": 3}, "fine", 1.0, "", None)  # not a str value
    kept = stored_result(odd)
    assert kept.ok and kept.response_headers == {} and kept.response_excerpt == ""
