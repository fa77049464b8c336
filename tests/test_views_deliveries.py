"""The Deliveries tab: live list, filters, keyset pages, attempts, and redelivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hooks.eventhooks.services import Actor, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.models import Delivery, DeliveryAttempt, EventHook
from hooks.outbound.payloads import encode, envelope

pytestmark = pytest.mark.django_db

SECRET = "Bearer d3liveries-SECRET-5"


@pytest.fixture
def hook(make_hook) -> EventHook:
    return make_hook(name="Deliveries", event_types=["user.lifecycle.create"], auth_value=SECRET)


def make_delivery(hook: EventHook, status: str = "SUCCEEDED", *, minutes_ago: int = 0,
                  kind: str = "EVENTS", code: int | None = 200) -> Delivery:  # fmt: skip
    delivery = Delivery.objects.create(hook=hook, kind=kind, status=status, event_count=1,
                                       attempt_count=1, last_status_code=code)  # fmt: skip
    delivery.body = encode(envelope(hook_id=hook.id, event_id=str(delivery.event_id),
                                    events=[{"uuid": f"e-{delivery.pk}"}]))  # fmt: skip
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    delivery.created_at = moment
    delivery.save(update_fields=["body"])
    Delivery.objects.filter(pk=delivery.pk).update(created_at=moment)
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, started_at=moment, duration_ms=42.0,
        outcome="SUCCESS" if status == "SUCCEEDED" else "FAILURE",
        request_headers={"Accept": "application/json", "Authorization": "[REDACTED]"},
        response_status=code, response_headers={"X-Reply": "r"},
        response_excerpt="reply-body", error="" if status == "SUCCEEDED" else "HTTP 500",
    )  # fmt: skip
    return delivery


def test_the_list_shows_deliveries_and_their_attempts(admin_client, hook):
    make_delivery(hook, "FAILED", code=500)
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id])).content.decode()
    assert "<title>Deliveries · Deliveries" in page
    assert "FAILED" in page and "HTTP 500" in page
    assert "Attempt 1" in page and "42 ms" in page
    assert "[REDACTED]" in page and "X-Reply" in page and "reply-body" in page
    assert SECRET not in page
    assert 'hx-trigger="every 2s"' in page
    assert "Redeliver all failed (1)" in page
    assert '<details class="delivery"' in page


def test_the_htmx_poll_returns_only_the_list_fragment(admin_client, hook):
    make_delivery(hook)
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    fragment = admin_client.get(url, {"status": "SUCCEEDED"}, HTTP_HX_REQUEST="true")
    content = fragment.content.decode()
    assert content.lstrip().startswith('<div id="delivery-list"')
    assert f'hx-get="{url}?status=SUCCEEDED"' in content
    assert "hx-preserve" in content  # finished rows keep their open state across polls


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "FAILED"}, "FAILED", "SUCCEEDED"),
        ({"status": "SUCCEEDED"}, "SUCCEEDED", "FAILED"),
        ({"kind": "PREVIEW"}, "Preview", "FAILED"),
    ],
)
def test_filters_by_status_and_kind(admin_client, hook, params, shown, hidden):
    make_delivery(hook, "FAILED", code=500)
    make_delivery(hook, "SUCCEEDED")
    make_delivery(hook, "PENDING", kind="PREVIEW")
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id]), params)
    content = page.content.decode().split('id="delivery-list"')[1]
    assert shown in content and f">{hidden}<" not in content


def test_filters_by_time_window(admin_client, hook):
    old = make_delivery(hook, minutes_ago=180)
    new = make_delivery(hook, minutes_ago=5)
    since = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    content = admin_client.get(url, {"since": since}).content.decode()
    assert str(new.event_id) in content and str(old.event_id) not in content
    content = admin_client.get(url, {"until": since}).content.decode()
    assert str(old.event_id) in content and str(new.event_id) not in content


def test_an_invalid_time_is_a_field_error(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id]), {"since": "soon"})
    assert b"Enter a valid date/time." in page.content


def test_keyset_pages_link_to_older_deliveries_and_stop_polling(admin_client, hook):
    deliveries = [make_delivery(hook, minutes_ago=i) for i in range(30)]
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    first = admin_client.get(url)
    cursor = first.context["page"].next_cursor
    assert cursor and "Older →" in first.content.decode()
    second = admin_client.get(url, {"after": cursor}).content.decode()
    assert str(deliveries[-1].event_id) in second and str(deliveries[0].event_id) not in second
    assert 'hx-trigger="every 2s"' not in second
    assert "← Newest" in second
    bad = admin_client.get(url, {"after": "garbage"})
    assert bad.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_redeliver_one_queues_a_copy_under_a_new_event_id(admin_client, hook, receiver):
    EventHook.objects.filter(pk=hook.pk).update(uri=receiver.url, verification_status="VERIFIED")
    original = make_delivery(hook, "FAILED", code=500)
    url = reverse("hooks:delivery-redeliver", args=[hook.id, original.pk])
    response = admin_client.post(url, follow=True)
    assert "Redelivery queued as" in response.content.decode()
    copy = Delivery.objects.get(redelivery_of=original)
    assert copy.event_id != original.event_id
    assert copy.status == "SUCCEEDED"  # tasks run inline here
    [request] = receiver.requests
    assert request.json["data"]["events"] == [{"uuid": f"e-{original.pk}"}]


def test_only_event_deliveries_of_this_hook_can_be_redelivered(admin_client, admin_user, hook):
    preview = make_delivery(hook, kind="PREVIEW")
    url = reverse("hooks:delivery-redeliver", args=[hook.id, preview.pk])
    assert admin_client.post(url).status_code == 404
    other = hook_create(spec=HookSpec(name="Other", uri="https://o.example.com/",
                                      event_types=["user.lifecycle.create"]),
                        actor=Actor(user=admin_user))[0]  # fmt: skip
    mine = make_delivery(hook, "FAILED")
    assert admin_client.post(reverse("hooks:delivery-redeliver", args=[other.id, mine.pk])
                             ).status_code == 404  # fmt: skip
    assert admin_client.get(reverse("hooks:delivery-redeliver",
                                    args=[hook.id, mine.pk])).status_code == 405  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_redeliver_all_failed_confirms_the_count_then_shows_progress(admin_client, hook, receiver):
    EventHook.objects.filter(pk=hook.pk).update(uri=receiver.url, verification_status="VERIFIED")
    for _ in range(3):
        make_delivery(hook, "FAILED", code=500)
    make_delivery(hook, "SUCCEEDED")
    url = reverse("hooks:deliveries-redeliver-failed", args=[hook.id])
    confirm = admin_client.get(url).content.decode()
    assert "<strong>3</strong> failed deliveries" in confirm and "Redeliver 3" in confirm
    response = admin_client.post(url)
    assert response.status_code == 302
    progress_url = response["Location"]
    assert progress_url.startswith(f"/eventhooks/{hook.id}/deliveries/redelivery?from=")
    page = admin_client.get(progress_url).content.decode()
    assert "<strong>3 of 3</strong> redeliveries finished" in page
    assert "3 succeeded" in page
    assert 'hx-trigger="every 2s"' not in page  # finished: polling stops
    assert len(receiver.requests) == 3


def test_progress_polls_while_redeliveries_are_waiting(admin_client, hook):
    started = timezone.now() - timedelta(seconds=1)
    original = make_delivery(hook, "FAILED", code=500)
    Delivery.objects.create(hook=hook, status="PENDING", redelivery_of=original)
    url = reverse("hooks:redelivery-progress", args=[hook.id])
    fragment = admin_client.get(url, {"from": started.isoformat()}, HTTP_HX_REQUEST="true")
    content = fragment.content.decode()
    assert content.lstrip().startswith('<div id="redelivery-progress"')
    assert "<strong>0 of 1</strong>" in content and 'hx-trigger="every 2s"' in content
    assert admin_client.get(url).status_code == 302  # no batch given: back to the list


def test_nothing_to_redeliver_says_so(admin_client, hook):
    page = admin_client.get(reverse("hooks:deliveries-redeliver-failed", args=[hook.id]))
    assert b"no failed deliveries" in page.content


def test_a_waiting_delivery_says_when_it_retries_and_why(admin_client, hook):
    waiting = make_delivery(hook, "PENDING", code=None)
    DeliveryAttempt.objects.filter(delivery=waiting).update(
        response_status=503, error="", finished_at=timezone.now()
    )
    Delivery.objects.filter(pk=waiting.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=4, seconds=10)
    )
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id])).content.decode()
    assert "Pending · retry in 4 min · last: 503 Service Unavailable" in page
    assert "Last attempt" in page and "HTTP 503" in page and "Next attempt" in page


def test_an_original_links_to_the_redelivery_that_replaced_it(admin_client, hook):
    original = make_delivery(hook, "FAILED", code=500, minutes_ago=5)
    copy = make_delivery(hook, "SUCCEEDED")
    Delivery.objects.filter(pk=copy.pk).update(redelivery_of=original)
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    page = admin_client.get(url).content.decode()
    assert f'redelivered → <a href="{url}?show={copy.event_id}">{copy.event_id}</a>' in page
    assert f'href="{url}?show={original.event_id}"' in page  # "Redelivery of" on the copy
    assert "Redeliver all failed" not in page
    # The link opens the page that starts with that delivery.
    shown = admin_client.get(url, {"show": str(original.event_id)})
    assert shown.status_code == 302 and shown["Location"].endswith(f"#delivery-{original.event_id}")
    target = admin_client.get(shown["Location"].split("#")[0]).context["page"].items
    assert target[0].pk == original.pk
    assert admin_client.get(url, {"show": "nonsense"})["Location"] == url


def test_redeliver_all_failed_counts_only_originals_no_redelivery_replaced(admin_client, hook):
    replaced = make_delivery(hook, "FAILED", code=500, minutes_ago=9)
    Delivery.objects.create(hook=hook, status="PENDING", redelivery_of=replaced)
    make_delivery(hook, "FAILED", code=500, minutes_ago=8)
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id])).content.decode()
    assert "Redeliver all failed (1)" in page
    confirm = admin_client.get(reverse("hooks:deliveries-redeliver-failed", args=[hook.id]))
    assert "<strong>1</strong> failed delivery" in confirm.content.decode()
