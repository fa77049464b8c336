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


def make_delivery(
    hook: EventHook,
    status: str = "SUCCEEDED",
    *,
    minutes_ago: int = 0,
    kind: str = "EVENTS",
    code: int | None = 200,
) -> Delivery:
    delivery = Delivery.objects.create(
        hook=hook, kind=kind, status=status, event_count=1, attempt_count=1, last_status_code=code
    )
    delivery.body = encode(
        envelope(
            hook_id=hook.id,
            envelope_id=str(delivery.envelope_id),
            events=[{"uuid": f"e-{delivery.pk}"}],
        )
    )
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    delivery.created_at = moment
    delivery.save(update_fields=["body"])
    Delivery.objects.filter(pk=delivery.pk).update(created_at=moment)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=moment,
        duration_ms=42.0,
        outcome="SUCCESS" if status == "SUCCEEDED" else "FAILURE",
        request_headers={"Accept": "application/json", "Authorization": "[REDACTED]"},
        response_status=code,
        response_headers={"X-Reply": "r"},
        response_excerpt="reply-body",
        error="" if status == "SUCCEEDED" else "HTTP 500",
    )
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
    # #14 item 1: the poll reads the filters from the form, not from the URL it was drawn for.
    assert f'hx-get="{url}" hx-include="#delivery-filters"' in content
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
    assert str(new.envelope_id) in content and str(old.envelope_id) not in content
    content = admin_client.get(url, {"until": since}).content.decode()
    assert str(old.envelope_id) in content and str(new.envelope_id) not in content


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
    assert (
        str(deliveries[-1].envelope_id) in second and str(deliveries[0].envelope_id) not in second
    )
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
    assert copy.envelope_id != original.envelope_id
    assert copy.status == "SUCCEEDED"  # tasks run inline here
    [request] = receiver.requests
    assert request.json["data"]["events"] == [{"uuid": f"e-{original.pk}"}]


def test_only_event_deliveries_of_this_hook_can_be_redelivered(admin_client, admin_user, hook):
    preview = make_delivery(hook, kind="PREVIEW")
    url = reverse("hooks:delivery-redeliver", args=[hook.id, preview.pk])
    assert admin_client.post(url).status_code == 404
    other = hook_create(
        spec=HookSpec(
            name="Other", uri="https://o.example.com/", event_types=["user.lifecycle.create"]
        ),
        actor=Actor(user=admin_user),
    )[0]
    mine = make_delivery(hook, "FAILED")
    assert (
        admin_client.post(reverse("hooks:delivery-redeliver", args=[other.id, mine.pk])).status_code
        == 404
    )
    assert (
        admin_client.get(reverse("hooks:delivery-redeliver", args=[hook.id, mine.pk])).status_code
        == 405
    )


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
    assert f'redelivered → <a href="{url}?show={copy.envelope_id}">{copy.envelope_id}</a>' in page
    assert f'href="{url}?show={original.envelope_id}"' in page  # "Redelivery of" on the copy
    assert "Redeliver all failed" not in page
    # The link opens the page that starts with that delivery.
    shown = admin_client.get(url, {"show": str(original.envelope_id)})
    assert shown.status_code == 302 and shown["Location"].endswith(
        f"#delivery-{original.envelope_id}"
    )
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


# --- #14 item 1: deliveries you can find ------------------------------------------------------


def event(uuid: str, event_type: str = "user.lifecycle.create", actor: str = "ops@example.com"):
    return {
        "uuid": uuid,
        "eventType": event_type,
        "actor": {
            "id": f"00u-{actor[:3]}",
            "type": "User",
            "alternateId": actor,
            "displayName": actor.split("@")[0].title(),
        },
        "target": [
            {
                "id": "00uT",
                "type": "User",
                "alternateId": "t@example.com",
                "displayName": "Tess Target",
            }
        ],
    }


def carrying(hook: EventHook, *events: dict, status: str = "SUCCEEDED", minutes_ago: int = 0):
    delivery = make_delivery(hook, status, minutes_ago=minutes_ago)
    delivery.body = encode(
        envelope(hook_id=hook.id, envelope_id=str(delivery.envelope_id), events=list(events))
    )
    delivery.save(update_fields=["body"])
    return delivery


def listed(admin_client, hook, **params) -> list[int]:
    response = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id]), params)
    return [delivery.pk for delivery in response.context["page"].items]


def test_a_row_shows_event_type_actor_target_event_id_and_duration(admin_client, hook):
    delivery = carrying(hook, event("u-1"), event("u-2", "user.session.start", "b@example.com"))
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id])).content.decode()
    summary = page.split(f'<summary id="delivery-{delivery.envelope_id}">')[1].split("</summary>")[
        0
    ]
    assert '<code class="event-type">user.lifecycle.create, user.session.start</code>' in summary
    assert '<strong class="actor">ops@example.com</strong> +1' in summary
    assert '<strong class="target">Tess Target (User)</strong>' in summary
    assert f'<code class="event-id">{delivery.envelope_id}</code>' in summary
    assert '<span class="fact duration">42 ms</span>' in summary


def test_the_payload_is_pretty_printed_with_a_copy_button(admin_client, hook):
    delivery = carrying(hook, event("u-pretty"))
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id])).content.decode()
    payload = page.split(f'id="payload-{delivery.pk}">')[1].split("</pre>")[0]
    assert "\n  &quot;eventType&quot;: &quot;com.okta.event_hook&quot;,\n" in payload
    assert f'data-copy="payload-{delivery.pk}"' in page
    assert f'data-copy-text="{delivery.envelope_id}"' in page  # the eventId's copy button


def test_search_by_event_id_is_an_index_lookup(admin_client, hook):
    wanted = carrying(hook, event("u-a"))
    carrying(hook, event("u-b"))
    assert listed(admin_client, hook, q=str(wanted.envelope_id)) == [wanted.pk]


def test_search_by_event_uuid_finds_the_delivery_and_its_redeliveries(admin_client, hook):
    from hooks.models import Event, OutboxEntry

    original = carrying(hook, event("4f8e-uuid-1"), status="FAILED", minutes_ago=5)
    copy = carrying(hook, event("4f8e-uuid-1"))
    Delivery.objects.filter(pk=copy.pk).update(redelivery_of=original)
    carrying(hook, event("other"))
    stored = Event.objects.create(
        uuid="4f8e-uuid-1",
        published=timezone.now(),
        event_type="user.lifecycle.create",
        data=event("4f8e-uuid-1"),
    )
    OutboxEntry.objects.create(hook=hook, event=stored, delivery=original)
    assert listed(admin_client, hook, q="4f8e-uuid-1") == [copy.pk, original.pk]
    # Without its match row (purged), the scan of the bodies still finds it.
    OutboxEntry.objects.all().delete()
    assert listed(admin_client, hook, q="4f8e-uuid-1") == [copy.pk, original.pk]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("user.session.start", ["session"]),
        ("user.session", ["session"]),  # a dotted prefix
        ("user.lifecycle.create", ["create"]),
        ("OPS@example.com", ["create"]),  # actor alternateId, any case
        ("00u-b@e", ["session"]),  # actor id
        ("Tess Target", []),  # a target is not an actor: the body mentions it, no match
        ("user", ["session", "create"]),  # whole leading segments of a type
        ("use", []),  # not a whole segment
    ],
)
def test_search_by_event_type_or_actor(admin_client, hook, q, expected):
    made = {
        "create": carrying(hook, event("u-c"), minutes_ago=2),
        "session": carrying(hook, event("u-s", "user.session.start", "b@example.com")),
    }
    assert listed(admin_client, hook, q=q) == [made[name].pk for name in expected]


def test_a_text_search_is_bounded_and_says_so(admin_client, hook, monkeypatch):
    from hooks import selectors

    monkeypatch.setattr(selectors, "DELIVERY_SCAN_LIMIT", 3)
    old = carrying(hook, event("u-old", "user.session.start"), minutes_ago=9)
    for minutes in range(3):
        carrying(hook, event(f"u-{minutes}"), minutes_ago=minutes)
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    response = admin_client.get(url, {"q": "user.session.start"})
    assert response.context["page"].items == [] and response.context["page"].partial
    page = response.content.decode()
    assert "Searched the newest 3 deliveries" in page and "search older deliveries" in page
    more = admin_client.get(
        url, {"q": "user.session.start", "after": response.context["page"].next_cursor}
    )
    assert [d.pk for d in more.context["page"].items] == [old.pk]


def test_search_combines_with_the_status_filter(admin_client, hook):
    failed = carrying(hook, event("u-f"), status="FAILED", minutes_ago=1)
    carrying(hook, event("u-s"))
    assert listed(admin_client, hook, q="ops@example.com", status="FAILED") == [failed.pk]


def test_the_filter_form_applies_on_change_and_keeps_a_submit_button(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id])).content.decode()
    form = page.split('<form method="get"')[1].split("</form>")[0]
    assert 'id="delivery-filters"' in form and 'hx-trigger="change, submit"' in form
    assert 'autocomplete="off"' in form and 'hx-sync="#deliveries:replace"' in form
    assert 'type="search" name="q"' in form
    assert '<button type="submit" data-submit-fallback>Filter</button>' in form


def test_a_filter_change_updates_the_redeliver_all_count_out_of_band(admin_client, hook):
    make_delivery(hook, "FAILED", code=500, minutes_ago=30)
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    changed = admin_client.get(
        url, {"status": "FAILED"}, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="delivery-filters"
    ).content.decode()
    assert '<div id="redeliver-all" hx-swap-oob="true">' in changed
    assert "Redeliver all failed (1)" in changed
    since = (timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    narrowed = admin_client.get(
        url, {"since": since}, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="delivery-filters"
    ).content.decode()
    assert '<div id="redeliver-all" hx-swap-oob="true">' in narrowed
    assert "Redeliver all failed" not in narrowed
    polled = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "redeliver-all" not in polled  # polls skip the count


def test_a_history_restore_gets_the_whole_page(admin_client, hook):
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    page = admin_client.get(
        url, {"status": "FAILED"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    ).content.decode()
    assert "<html" in page and '<option value="FAILED" selected>' in page


@pytest.mark.django_db(transaction=True)
def test_after_a_successful_bulk_redelivery_the_failed_count_does_not_grow(
    admin_client, hook, receiver
):
    EventHook.objects.filter(pk=hook.pk).update(uri=receiver.url, verification_status="VERIFIED")
    for minutes in (3, 2):
        make_delivery(hook, "FAILED", code=500, minutes_ago=minutes)
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    assert "Redeliver all failed (2)" in admin_client.get(url).content.decode()
    admin_client.post(reverse("hooks:deliveries-redeliver-failed", args=[hook.id]))
    assert Delivery.objects.filter(hook=hook, status="SUCCEEDED").count() == 2
    page = admin_client.get(url).content.decode()
    assert "Redeliver all failed" not in page  # both recovered: nothing to offer
    assert page.count("redelivered → ") == 2
    confirm = admin_client.get(reverse("hooks:deliveries-redeliver-failed", args=[hook.id]))
    assert b"no failed deliveries" in confirm.content


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_what_a_receiver_or_an_event_says_is_escaped_on_the_page(admin_client, hook):
    """Response headers, excerpts and errors come from receivers, event fields from
    publishers: all of it is shown as text, never as markup."""
    delivery = make_delivery(hook, "FAILED", code=500)
    delivery.body = encode(
        envelope(
            hook_id=hook.id,
            envelope_id=str(delivery.envelope_id),
            events=[{"uuid": HOSTILE, "eventType": HOSTILE}],
        )
    )
    delivery.save(update_fields=["body"])
    DeliveryAttempt.objects.filter(delivery=delivery).update(
        request_headers={HOSTILE: HOSTILE},
        response_headers={HOSTILE: HOSTILE},
        response_excerpt=HOSTILE,
        error=HOSTILE,
    )
    Delivery.objects.filter(pk=delivery.pk).update(last_error=HOSTILE)
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    for response in (admin_client.get(url), admin_client.get(url, HTTP_HX_REQUEST="true")):
        page = response.content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(" in page
