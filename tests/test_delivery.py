"""The delivery engine against a real receiver on 127.0.0.1 (tasks run inline here;
tests/test_integration_cluster.py runs the same paths through a real qcluster)."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from hooks.delivery.recovery import retry_delivery
from hooks.models import Delivery, DeliveryAttempt, Event, EventHook, OutboxEntry
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db(transaction=True)


def publish(count: int = 1, event_type: str = "user.lifecycle.create") -> list[Event]:
    return event_publish(
        events=[{"eventType": event_type, "actor": {"id": f"00u{i:017d}"}} for i in range(count)]
    ).events


def test_verification_records_the_challenge_and_audits_success(active_verified_hook, receiver):
    challenge = receiver.verifications[-1]
    assert challenge.method == "GET"
    assert challenge.header("Authorization") == "Bearer s3cr3t-V4LUE"
    assert challenge.header("X-Other-Header") == "some-other-value"
    verification = Delivery.objects.get(kind=Delivery.Kind.VERIFICATION)
    assert verification.status == Delivery.Status.SUCCEEDED
    attempt = verification.attempts.get()
    assert attempt.request_headers["Authorization"] == "[REDACTED]"
    audit = Event.objects.get(event_type="event_hook.verified").data
    assert audit["outcome"]["result"] == "SUCCESS"


@pytest.mark.parametrize(
    ("mode", "cause"),
    [
        ("wrong", "did not match"),
        ("not_json", "not JSON"),
        ("status:404", "404"),
    ],
)
def test_a_failed_verification_is_400_with_the_exact_cause(api, hook_body, receiver, mode, cause):
    receiver.set_behaviour(verification=mode)
    hook_body["channel"]["config"]["uri"] = receiver.url
    created = api.post("/api/v1/eventHooks", hook_body, format="json").json()
    response = api.post(f"/api/v1/eventHooks/{created['id']}/lifecycle/verify")
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert cause in body["errorCauses"][0]["errorSummary"]
    assert len(receiver.verifications) == 2  # one retry
    assert EventHook.objects.get(pk=created["id"]).verification_status == "UNVERIFIED"
    audit = Event.objects.get(event_type="event_hook.verified").data
    assert audit["outcome"]["result"] == "FAILURE"


def test_a_published_event_is_delivered_in_oktas_envelope_with_signatures(
    active_verified_hook, receiver
):
    [event] = publish()
    [request] = receiver.requests
    body = request.json
    assert list(body) == [
        "eventType",
        "eventTypeVersion",
        "cloudEventsVersion",
        "source",
        "eventId",
        "data",
        "eventTime",
        "contentType",
    ]
    assert body["eventType"] == "com.okta.event_hook"
    assert body["eventTypeVersion"] == "1.0" and body["cloudEventsVersion"] == "0.1"
    assert body["source"].endswith(f"/api/v1/eventHooks/{active_verified_hook['id']}")
    assert body["data"]["events"] == [event.data]
    assert request.header("Content-Type") == "application/json"
    assert request.header("Accept") == "application/json"
    assert request.header("User-Agent") == "Okta-Integrations"
    assert request.header("Authorization") == "Bearer s3cr3t-V4LUE"
    assert request.header("X-Other-Header") == "some-other-value"
    assert request.header("webhook-id") == body["eventId"]
    Webhook(active_verified_hook["signingSecret"]).verify(request.body, dict(request.headers))
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.body.encode() == request.body
    assert EventHook.objects.get(pk=active_verified_hook["id"]).last_delivery_outcome == "SUCCEEDED"


def test_queued_events_are_batched_into_one_envelope(active_verified_hook, receiver, settings):
    settings.HOOKS_MAX_BATCH = 50
    publish(120)
    sizes = sorted(len(r.json["data"]["events"]) for r in receiver.requests)
    assert sum(sizes) == 120
    assert max(sizes) == 50  # a publish of 120 is one transaction: 50 + 50 + 20
    assert len({e["uuid"] for r in receiver.requests for e in r.json["data"]["events"]}) == 120


def test_events_of_unsubscribed_types_and_unverified_hooks_are_not_delivered(
    active_verified_hook, receiver, api, hook_body
):
    publish(1, event_type="user.lifecycle.suspend")
    hook_body["name"] = "unverified"
    api.post("/api/v1/eventHooks", hook_body, format="json")
    assert receiver.requests == []
    assert OutboxEntry.objects.count() == 0


def test_the_immediate_retry_turns_a_single_503_into_success(active_verified_hook, receiver):
    receiver.set_behaviour(status=[503, 200])
    publish()
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert list(delivery.attempts.values_list("response_status", flat=True)) == [503, 200]


def test_5xx_twice_schedules_a_retry_with_backoff(active_verified_hook, receiver, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0, 60]
    receiver.set_behaviour(status=500)
    publish()
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempt_count == 2
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 40 < wait < 80  # 60 s +/- 20 % jitter
    # Not due yet: a retry task is a no-op.
    assert retry_delivery(delivery.pk) is False
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    receiver.set_behaviour(status=200)
    assert retry_delivery(delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempt_count == 3


def test_an_exhausted_delivery_is_failed_and_logged(active_verified_hook, receiver, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0]
    receiver.set_behaviour(status=502)
    publish()
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempt_count == 2
    failure = Event.objects.get(event_type="event_hook.delivery").data
    assert failure["outcome"]["result"] == "FAILURE"
    assert str(delivery.envelope_id) in failure["outcome"]["reason"]


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_4xx_is_final_without_retry(active_verified_hook, receiver, status):
    receiver.set_behaviour(status=status)
    publish()
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert delivery.status == Delivery.Status.FAILED and delivery.attempt_count == 1


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried(active_verified_hook, receiver, status, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0, 60]
    receiver.set_behaviour(status=status)
    publish()
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert delivery.status == Delivery.Status.PENDING and delivery.attempt_count == 2


def test_retry_after_pushes_the_next_attempt_back(active_verified_hook, receiver, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0, 1]
    receiver.set_behaviour(status=429, headers={"Retry-After": "600"})
    publish()
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert (delivery.next_attempt_at - timezone.now()).total_seconds() > 590


def test_410_gone_deactivates_the_hook(active_verified_hook, receiver):
    receiver.set_behaviour(status=410)
    publish()
    hook = EventHook.objects.get(pk=active_verified_hook["id"])
    assert hook.status == "INACTIVE"
    assert "410" in hook.disabled_reason
    assert Event.objects.filter(event_type="event_hook.auto_deactivated").exists()


def test_a_long_outage_deactivates_the_hook(active_verified_hook, receiver, settings):
    settings.HOOKS_RETRY_SCHEDULE = [0]
    settings.HOOKS_AUTO_DISABLE_AFTER = 0
    receiver.set_behaviour(status=500)
    publish()
    hook = EventHook.objects.get(pk=active_verified_hook["id"])
    assert hook.status == "INACTIVE"
    assert "No successful delivery since" in hook.disabled_reason


def test_attempt_rows_keep_the_response_and_redact_the_secret(active_verified_hook, receiver):
    receiver.set_behaviour(status=400, body=b'{"error": "bad thing"}')
    publish()
    attempt = DeliveryAttempt.objects.get(delivery__kind=Delivery.Kind.EVENTS)
    assert attempt.response_status == 400
    assert "bad thing" in attempt.response_excerpt
    assert attempt.request_headers["Authorization"] == "[REDACTED]"
    assert attempt.request_headers["webhook-signature"].startswith("v1,")
    assert "s3cr3t" not in json.dumps(attempt.request_headers)
    assert attempt.duration_ms is not None and attempt.finished_at is not None


def test_a_refused_destination_is_final(active_verified_hook, receiver, settings):
    settings.HOOKS_ALLOWED_NETWORKS = []
    publish()
    delivery = Delivery.objects.get(kind=Delivery.Kind.EVENTS)
    assert delivery.status == Delivery.Status.FAILED
    assert "refused" in delivery.last_error.lower()
    assert receiver.requests == []


def test_publishing_the_same_uuid_twice_stores_and_delivers_once(active_verified_hook, receiver):
    event = {"eventType": "user.lifecycle.create", "uuid": "f1d0b993-cc19-11ed-a688-db22c99ef6c4"}
    first = event_publish(events=[event])
    second = event_publish(events=[dict(event)])
    assert len(first.events) == 1 and second.duplicates == 1
    assert len(receiver.events()) == 1


def test_a_rolled_back_publish_delivers_nothing(active_verified_hook, receiver):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        publish()
        raise RuntimeError("the caller's transaction fails")
    assert receiver.requests == []
    assert not Event.objects.filter(actor_id="00u00000000000000000").exists()


@pytest.mark.slow  # waits out two 0.3 s timeouts
def test_verification_causes_for_timeout_and_refused(api, hook_body, receiver, settings):
    settings.HOOKS_DELIVERY_TIMEOUT = 0.3
    receiver.set_behaviour(verification="hang")
    hook_body["channel"]["config"]["uri"] = receiver.url
    created = api.post("/api/v1/eventHooks", hook_body, format="json").json()
    timed_out = api.post(f"/api/v1/eventHooks/{created['id']}/lifecycle/verify").json()
    assert "Timed out" in timed_out["errorCauses"][0]["errorSummary"]
    from tests.cluster import free_port

    echoed = api.get(f"/api/v1/eventHooks/{created['id']}").json()
    echoed["channel"]["config"]["uri"] = f"http://127.0.0.1:{free_port()}/closed"
    api.put(f"/api/v1/eventHooks/{created['id']}", echoed, format="json")
    refused = api.post(f"/api/v1/eventHooks/{created['id']}/lifecycle/verify").json()
    assert "refused" in refused["errorCauses"][0]["errorSummary"].lower()


def test_verification_of_a_loopback_endpoint_is_refused_when_not_allowed(
    api, hook_body, receiver, settings
):
    hook_body["channel"]["config"]["uri"] = receiver.url
    created = api.post("/api/v1/eventHooks", hook_body, format="json").json()
    settings.HOOKS_ALLOWED_NETWORKS = []
    response = api.post(f"/api/v1/eventHooks/{created['id']}/lifecycle/verify").json()
    assert "Destination refused" in response["errorCauses"][0]["errorSummary"]
    assert receiver.verifications == []


def test_after_a_rotation_both_secrets_sign_for_the_grace_period(
    api, active_verified_hook, receiver
):
    rotated = api.post(
        f"/api/v1/eventHooks/{active_verified_hook['id']}/signingSecret/rotate"
    ).json()
    assert rotated["signingSecret"].startswith("whsec_")
    assert rotated["signingSecret"] != active_verified_hook["signingSecret"]
    publish()
    [request] = receiver.requests
    assert len(request.header("webhook-signature").split(" ")) == 2
    for secret in (active_verified_hook["signingSecret"], rotated["signingSecret"]):
        Webhook(secret).verify(request.body, dict(request.headers))


def test_unbatched_events_are_claimed_several_at_a_time_and_delivered_in_order(
    active_verified_hook, receiver, settings
):
    settings.HOOKS_MAX_BATCH = 1
    settings.HOOKS_CLAIM_DELIVERIES = 4
    events = publish(10)
    received = [r.json["data"]["events"] for r in receiver.requests]
    assert [batch[0]["uuid"] for batch in received] == [e.uuid for e in events]
    deliveries = Delivery.objects.filter(kind=Delivery.Kind.EVENTS)
    assert deliveries.count() == 10
    assert set(deliveries.values_list("status", "attempt_count", "event_count")) == {
        ("SUCCEEDED", 1, 1)
    }
    attempts = DeliveryAttempt.objects.filter(delivery__kind=Delivery.Kind.EVENTS)
    assert set(attempts.values_list("number", "outcome", "response_status")) == {
        (1, "SUCCESS", 200)
    }
    assert all(a.finished_at >= a.started_at for a in attempts)
    # Each stored attempt names the request's own signature, the secret stays masked.
    for delivery in deliveries:
        [attempt] = delivery.attempts.all()
        assert attempt.request_headers["webhook-id"] == str(delivery.envelope_id)
        assert attempt.request_headers["Authorization"] == "[REDACTED]"
    assert not OutboxEntry.objects.filter(delivery__isnull=True).exists()


def test_a_failure_inside_a_claim_puts_the_unsent_rest_back_in_the_outbox(
    active_verified_hook, receiver, settings
):
    settings.HOOKS_MAX_BATCH = 1
    settings.HOOKS_CLAIM_DELIVERIES = 5
    settings.HOOKS_RETRY_SCHEDULE = [0, 60]
    receiver.set_behaviour(status=[200, 200, 500, 500, 200])
    events = publish(5)
    # Sent: two successes, then the third failed twice (Okta's immediate retry).
    assert len(receiver.requests) == 4
    failed = Delivery.objects.get(status=Delivery.Status.PENDING)
    assert failed.attempt_count == 2 and failed.next_attempt_at is not None
    assert list(failed.attempts.values_list("number", "outcome", "response_status")) == [
        (1, "FAILURE", 500),
        (2, "FAILURE", 500),
    ]
    events_only = Delivery.objects.filter(kind=Delivery.Kind.EVENTS)
    assert events_only.filter(status=Delivery.Status.SUCCEEDED).count() == 2
    # The last two were never sent: no delivery, no attempt, back in the outbox.
    assert events_only.count() == 3
    assert DeliveryAttempt.objects.filter(delivery__kind=Delivery.Kind.EVENTS).count() == 4
    unclaimed = OutboxEntry.objects.filter(delivery__isnull=True).order_by("id")
    assert [m.event_id for m in unclaimed] == [e.pk for e in events[3:]]
    # The retry succeeds and flushes what waited.
    Delivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    assert retry_delivery(failed.pk) is True
    delivered = {e["uuid"] for e in receiver.events()}
    assert delivered == {e.uuid for e in events}
    assert set(events_only.values_list("status", flat=True)) == {"SUCCEEDED"}


def test_a_slow_endpoint_gives_the_rest_of_its_claim_back(active_verified_hook, receiver, settings):
    settings.HOOKS_MAX_BATCH = 1
    settings.HOOKS_CLAIM_DELIVERIES = 6
    settings.HOOKS_LEASE_SECONDS = 0.1  # a claim may send for 0.05 s
    receiver.set_behaviour(delay=0.06)
    events = publish(6)
    # Each turn sends one delivery, then queues another turn for the rest (inline here).
    assert {e["uuid"] for e in receiver.events()} == {e.uuid for e in events}
    assert len(receiver.requests) == 6
    assert set(Delivery.objects.filter(kind="EVENTS").values_list("status", flat=True)) == {
        "SUCCEEDED"
    }
    assert DeliveryAttempt.objects.filter(delivery__kind="EVENTS").count() == 6


def test_deactivating_a_hook_stops_a_claim_that_is_being_sent(
    active_verified_hook, receiver, settings, monkeypatch
):
    from django.db import connection

    import hooks.delivery.sender

    settings.HOOKS_MAX_BATCH = 1
    settings.HOOKS_CLAIM_DELIVERIES = 5
    monkeypatch.setattr(hooks.delivery.sender, "STATE_CHECK_SECONDS", 0)

    def deactivate_then_accept(request) -> int:
        # An admin deactivates the hook while the first request of the claim is answered.
        try:
            EventHook.objects.filter(pk=active_verified_hook["id"]).update(status="INACTIVE")
        finally:
            connection.close()  # this runs in the receiver's thread
        return 200

    receiver.set_behaviour(status=deactivate_then_accept)
    events = publish(5)
    assert len(receiver.requests) == 1
    [sent] = Delivery.objects.filter(kind=Delivery.Kind.EVENTS)
    assert sent.status == Delivery.Status.SUCCEEDED
    assert sent.attempts.get().outcome == "SUCCESS"
    # The four unsent wait in the outbox for the hook's reactivation.
    unclaimed = OutboxEntry.objects.filter(delivery__isnull=True).order_by("id")
    assert [m.event_id for m in unclaimed] == [e.pk for e in events[1:]]
    assert DeliveryAttempt.objects.filter(delivery__kind=Delivery.Kind.EVENTS).count() == 1


def test_the_prepared_hook_read_returns_what_the_orm_returns(active_verified_hook):
    from hooks.lib.sql import get_by_pk

    EventHook.objects.filter(pk=active_verified_hook["id"]).update(
        failing_since=timezone.now(), filters={"user.lifecycle.create": "true"}
    )
    fast, orm = (
        get_by_pk(EventHook, active_verified_hook["id"]),
        EventHook.objects.get(pk=active_verified_hook["id"]),
    )
    fields = [f.attname for f in EventHook._meta.concrete_fields]
    assert [getattr(fast, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert fast.failing_since.tzinfo is not None and fast.event_types == orm.event_types
    assert fast._state.adding is False
    assert get_by_pk(EventHook, "whoMissing") is None


def test_the_prepared_deliverable_hooks_read_returns_what_the_orm_returns(make_hook):
    """Publishing reads the hook set with hooks.lib.sql.select_equal, not the ORM."""
    from hooks.lib.sql import select_equal

    names = ("name", "uri", "event_types", "filters", "version")
    for index, name in enumerate(["b hook", "a hook", "c hook", "d hook"]):
        hook = make_hook(verified=index != 2, name=name)
        if index == 3:
            EventHook.objects.filter(pk=hook.pk).update(status=EventHook.Status.INACTIVE)
    EventHook.objects.filter(name="a hook").update(filters={"user.lifecycle.create": "true"})
    where = {"status": "ACTIVE", "verification_status": "VERIFIED"}
    fast = select_equal(EventHook, names, **where)
    orm = list(EventHook.objects.filter(**where).only(*names))
    assert [hook.name for hook in fast] == [hook.name for hook in orm] == ["a hook", "b hook"]
    for got, expected in zip(fast, orm, strict=True):
        assert [getattr(got, f) for f in ("id", *names)] == [
            getattr(expected, f) for f in ("id", *names)
        ]
        assert got.get_deferred_fields() == expected.get_deferred_fields()
        assert got._state.adding is False
    assert select_equal(EventHook, names, status="NOTHING", verification_status="VERIFIED") == []


def test_the_prepared_uuid_lookup_finds_what_the_orm_finds(monkeypatch):
    """Publishing looks stored uuids up with hooks.lib.sql.present_values, in chunks of the
    database's parameter limit."""
    from django.db import connection

    from hooks.lib.sql import present_values
    from hooks.systemlog.publishing import event_publish

    event_publish(events=[{"eventType": "user.session.start", "uuid": f"p{i}"} for i in range(5)])
    asked = ["p0", "p3", "nope", "p4", "p9"]
    orm = set(Event.objects.filter(uuid__in=asked).values_list("uuid", flat=True))
    assert present_values(Event, "uuid", asked) == orm == {"p0", "p3", "p4"}
    monkeypatch.setattr(connection.features, "max_query_params", 2)
    assert present_values(Event, "uuid", asked) == orm
    assert present_values(Event, "uuid", []) == set()


def test_after_a_successful_immediate_retry_the_rest_of_the_claim_goes_out_at_once(
    active_verified_hook, receiver, settings
):
    settings.HOOKS_MAX_BATCH = 1
    settings.HOOKS_CLAIM_DELIVERIES = 10  # one claim holds all five: none "more" queued
    receiver.set_behaviour(status=[200, 200, 503, 200])
    events = publish(5)
    # The third failed once, its immediate retry succeeded, and the two given back to the
    # outbox went out in the same task (not a minute later by the sweeper).
    assert {e["uuid"] for e in receiver.events()} == {e.uuid for e in events}
    assert len(receiver.requests) == 6
    statuses = Delivery.objects.filter(kind=Delivery.Kind.EVENTS).values_list("status", flat=True)
    assert sorted(statuses) == ["SUCCEEDED"] * 5
    assert not OutboxEntry.objects.filter(delivery__isnull=True).exists()


def test_a_long_task_signs_with_a_secret_rotated_while_it_runs(
    api, active_verified_hook, receiver, settings, monkeypatch
):
    from django.db import connection

    import hooks.delivery.sender
    from hooks.eventhooks.services import SYSTEM, hook_rotate_signing_secret

    settings.HOOKS_MAX_BATCH = 1
    settings.HOOKS_CLAIM_DELIVERIES = 1  # one delivery per claim: the hook is re-read between
    monkeypatch.setattr(hooks.delivery.sender, "STATE_CHECK_SECONDS", 0)
    rotated = []

    def rotate_on_first_request(request) -> int:
        if not rotated:
            try:
                hook = EventHook.objects.get(pk=active_verified_hook["id"])
                rotated.append(hook_rotate_signing_secret(hook=hook, actor=SYSTEM)[1])
            finally:
                connection.close()  # this runs in the receiver's thread
        return 200

    receiver.set_behaviour(status=rotate_on_first_request)
    publish(3)
    first, *later = receiver.requests
    assert len(first.header("webhook-signature").split(" ")) == 1
    for request in later:  # both secrets sign during the grace period
        Webhook(rotated[0]).verify(request.body, dict(request.headers))
        Webhook(active_verified_hook["signingSecret"]).verify(request.body, dict(request.headers))


def test_without_insert_returning_rows_are_saved_one_by_one(
    active_verified_hook, receiver, settings, monkeypatch
):
    """SQLite before 3.35 has no INSERT ... RETURNING: the same results, one save() a row."""
    from django.db import connection

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    settings.HOOKS_MAX_BATCH = 1
    events = publish(3)
    assert all(e.pk for e in events)
    assert [r.json["data"]["events"][0]["uuid"] for r in receiver.requests] == [
        e.uuid for e in events
    ]
    attempts = DeliveryAttempt.objects.filter(delivery__kind=Delivery.Kind.EVENTS)
    assert sorted(attempts.values_list("outcome", flat=True)) == ["SUCCESS"] * 3


def test_returned_keys_are_matched_by_value_not_by_order(active_verified_hook):
    from hooks.lib.sql import insert_many

    rows = [
        Event(
            uuid=f"k-{i}",
            published=timezone.now(),
            event_type="user.lifecycle.create",
            data={"n": i},
        )
        for i in range(5)
    ]
    insert_many(rows, key="uuid")
    assert {row.uuid: row.pk for row in rows} == dict(
        Event.objects.filter(uuid__startswith="k-").values_list("uuid", "id")
    )
