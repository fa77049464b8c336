"""The Event Hooks page, its row actions, and a hook's Overview, secret and Activity tabs."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hooks.eventhooks.services import Actor, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.models import Delivery, DeliveryAttempt, Event, EventHook
from hooks.views.charts import deliveries_chart_svg, deliveries_per_hour

pytestmark = pytest.mark.django_db

AUTH_SECRET = "Bearer ov3rview-S3CRET-9f2c"
TYPES = ("user.lifecycle.create", "group.user_membership.add")


def make_hook(user, name="Sales sync", **changes) -> tuple[EventHook, str]:
    spec = HookSpec(
        name=name,
        uri=changes.pop("uri", "https://receiver.example.com/okta"),
        event_types=changes.pop("event_types", list(TYPES)),
        headers=[{"key": "X-Env", "value": "prod"}],
        auth_key="Authorization",
        auth_value=AUTH_SECRET,
        **changes,
    )
    return hook_create(spec=spec, actor=Actor(user=user))


@pytest.fixture
def hook(admin_user) -> EventHook:
    return make_hook(admin_user)[0]


def edit_data(hook: EventHook, **changes) -> dict:
    data = {
        "uri": hook.uri,
        "name": hook.name,
        "description": hook.description or "",
        "auth_key": hook.auth_key,
        "auth_value": "",
        "headers_key": [h["key"] for h in hook.headers] + [""],
        "headers_value": [h["value"] for h in hook.headers] + [""],
        "event_types": list(hook.event_types),
        "save": "1",
    }
    data.update(changes)
    return data


# --- The Event Hooks page ------------------------------------------------------------------


def test_the_list_shows_every_hook_active_first_with_its_state(admin_client, admin_user):
    inactive = make_hook(admin_user, name="Alpha", status="INACTIVE")[0]
    EventHook.objects.filter(pk=inactive.pk).update(
        disabled_reason="The endpoint answered 410 Gone.",
        last_delivery_outcome="FAILED",
        last_delivery_at=timezone.now(),
    )
    make_hook(admin_user, name="Zulu")
    page = admin_client.get(reverse("hooks:hook-list")).content.decode()
    assert page.index("Zulu") < page.index("Alpha")  # active first
    assert "The endpoint answered 410 Gone." in page
    assert "User created" in page  # event type labels
    assert "FAILED" in page and "Never" in page
    assert "Create event hook" in page
    assert f'href="/eventhooks/{inactive.id}/delete"' in page  # delete only for inactive hooks


@pytest.mark.parametrize(
    ("sort", "first"),
    [("name", "Alpha"), ("-name", "Zulu"), ("created", "Zulu"), ("-created", "Alpha")],
)
def test_the_list_sorts_by_query_parameter(admin_client, admin_user, sort, first):
    make_hook(admin_user, name="Zulu", status="INACTIVE")
    make_hook(admin_user, name="Alpha")
    page = admin_client.get(reverse("hooks:hook-list"), {"sort": sort}).content.decode()
    other = "Zulu" if first == "Alpha" else "Alpha"
    assert page.index(f">{first}<") < page.index(f">{other}<")


def test_the_list_costs_the_same_few_queries_for_many_hooks(
    admin_client, admin_user, django_assert_max_num_queries
):
    EventHook.objects.bulk_create(
        EventHook(
            name=f"Hook {i:04d}",
            uri=f"https://h{i}.example.com/",
            event_types=["user.lifecycle.create"],
            status="INACTIVE",
        )
        for i in range(300)
    )
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("hooks:hook-list"))
    assert response.content.decode().count("/lifecycle/activate") == 300


def test_an_empty_list_invites_to_create_a_hook(admin_client):
    assert b"No event hooks yet" in admin_client.get(reverse("hooks:hook-list")).content


# --- Row actions ----------------------------------------------------------------------------


def test_deactivate_and_activate_return_to_the_page_they_came_from(admin_client, hook):
    url = reverse("hooks:hook-deactivate", args=[hook.id])
    response = admin_client.post(url, {"next": "/?sort=name"}, follow=True)
    assert response.redirect_chain[-1][0] == "/?sort=name"
    assert "is inactive" in response.content.decode()
    assert EventHook.objects.get(pk=hook.pk).status == "INACTIVE"
    admin_client.post(reverse("hooks:hook-activate", args=[hook.id]))
    assert EventHook.objects.get(pk=hook.pk).status == "ACTIVE"


def test_an_offsite_next_is_ignored(admin_client, hook):
    url = reverse("hooks:hook-deactivate", args=[hook.id])
    response = admin_client.post(url, {"next": "https://evil.example.com/"})
    assert response["Location"] == "/"


def test_activation_beyond_the_limit_is_a_clear_error(admin_client, admin_user, settings):
    settings.HOOKS_MAX_ACTIVE = 1
    make_hook(admin_user, name="Active one")
    waiting = make_hook(admin_user, name="Waiting", status="INACTIVE")[0]
    response = admin_client.post(reverse("hooks:hook-activate", args=[waiting.id]), follow=True)
    assert "At most 1 event hooks can be ACTIVE" in response.content.decode()
    assert EventHook.objects.get(pk=waiting.pk).status == "INACTIVE"


def test_actions_only_accept_post(admin_client, hook):
    for name in ("hook-verify", "hook-activate"):
        assert admin_client.get(reverse(f"hooks:{name}", args=[hook.id])).status_code == 405
    # Deactivate's GET is its confirmation page (#14 item 8): it asks and changes nothing.
    confirm = admin_client.get(reverse("hooks:hook-deactivate", args=[hook.id]), {"next": "/"})
    assert confirm.status_code == 200 and b"Deactivate event hook" in confirm.content
    hook.refresh_from_db()
    assert hook.status == "ACTIVE"


def test_delete_asks_for_confirmation_then_deletes_an_inactive_hook(admin_client, admin_user):
    hook = make_hook(admin_user, status="INACTIVE")[0]
    url = reverse("hooks:hook-delete", args=[hook.id])
    confirm = admin_client.get(url)
    assert b"Delete event hook" in confirm.content
    assert EventHook.objects.filter(pk=hook.pk).exists()
    response = admin_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "was deleted" in response.content.decode()
    assert not EventHook.objects.filter(pk=hook.pk).exists()
    assert Event.objects.filter(event_type="event_hook.deleted").exists()


def test_an_active_hook_cannot_be_deleted_and_the_page_says_why(admin_client, hook):
    url = reverse("hooks:hook-delete", args=[hook.id])
    assert b"deactivate it first" in admin_client.get(url).content
    response = admin_client.post(url)
    assert response.status_code == 409
    assert EventHook.objects.filter(pk=hook.pk).exists()


def test_unknown_hooks_are_404(admin_client):
    assert admin_client.get(reverse("hooks:hook-detail", args=["whoNOPE"])).status_code == 404


# --- Overview (read-only) and the Edit page ----------------------------------------------------
# Changed by #14 item 5: the form moved from the Overview to /eventhooks/<id>/edit.


def test_the_overview_shows_status_secret_section_health_and_a_summary(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-detail", args=[hook.id])).content.decode()
    assert f"<title>{hook.name} · Event hook" in page
    assert "Rotate secret" in page
    assert "<svg" in page and '<title id="health-title">' in page
    assert '<code id="overview-uri">https://receiver.example.com/okta</code>' in page
    assert "secret stored (never shown)" in page
    assert 'name="uri"' not in page and 'class="hook-form"' not in page  # read-only
    assert f'href="/eventhooks/{hook.id}/edit"' in page
    assert "This hook is unverified" in page and "?setup=1" in page
    assert AUTH_SECRET not in page


def test_the_edit_page_has_the_form(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-edit", args=[hook.id])).content.decode()
    assert f"<title>{hook.name} · Edit" in page
    assert 'value="https://receiver.example.com/okta"' in page
    assert "A secret is stored" in page
    assert AUTH_SECRET not in page


def test_saving_the_overview_replaces_the_hook(admin_client, hook):
    data = edit_data(
        hook, name="Renamed", description="New words", event_types=["user.lifecycle.create"]
    )
    response = admin_client.post(reverse("hooks:hook-edit", args=[hook.id]), data)
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.description, hook.event_types) == (
        "Renamed",
        "New words",
        ["user.lifecycle.create"],
    )
    assert hook.auth_value == AUTH_SECRET  # left blank: kept


def test_a_new_secret_replaces_and_the_clear_box_removes_it(admin_client, hook):
    url = reverse("hooks:hook-edit", args=[hook.id])
    admin_client.post(url, edit_data(hook, auth_value="Bearer new-one"))
    hook.refresh_from_db()
    assert hook.auth_value == "Bearer new-one"
    admin_client.post(url, edit_data(hook, clear_auth_value="on"))
    hook.refresh_from_db()
    assert hook.auth_value == ""


def test_a_channel_change_of_a_verified_hook_warns_that_verification_was_reset(admin_client, hook):
    EventHook.objects.filter(pk=hook.pk).update(verification_status="VERIFIED")
    hook.refresh_from_db()
    url = reverse("hooks:hook-edit", args=[hook.id])
    page = admin_client.get(url).content.decode()
    assert "resets\n      verification" in page or "resets verification" in page
    response = admin_client.post(
        url, edit_data(hook, uri="https://other.example.com/"), follow=True
    )
    assert "the hook is unverified" in response.content.decode()
    assert EventHook.objects.get(pk=hook.pk).verification_status == "UNVERIFIED"


def test_a_rename_keeps_verification(admin_client, hook):
    EventHook.objects.filter(pk=hook.pk).update(verification_status="VERIFIED")
    hook.refresh_from_db()
    admin_client.post(reverse("hooks:hook-edit", args=[hook.id]), edit_data(hook, name="New"))
    assert EventHook.objects.get(pk=hook.pk).verification_status == "VERIFIED"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"uri": "ftp://example.com/"}, "The URI must start with https://."),
        ({"event_types": []}, "Subscribe to at least one event type"),
        ({"event_types": ["no.such.type"]}, "is not an event type in the catalog"),
        (
            {"headers_key": ["Bad Header"], "headers_value": ["x"]},
            "Header 1 key: &#x27;Bad Header&#x27; is not a valid header name",
        ),
        ({"headers_key": ["Accept"], "headers_value": ["x"]}, "is reserved"),
        ({"headers_key": ["X-A", "x-a"], "headers_value": ["1", "2"]}, "appears more than once"),
        ({"auth_key": "", "auth_value": "secret"}, "A header name is needed for the secret"),
        ({"auth_key": "Content-Type"}, "is reserved and cannot carry the secret"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_every_invalid_edit_is_a_field_error(admin_client, hook, changes, message):
    response = admin_client.post(
        reverse("hooks:hook-edit", args=[hook.id]), edit_data(hook, **changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AUTH_SECRET not in response.content.decode()
    assert EventHook.objects.get(pk=hook.pk).name == hook.name


def test_a_duplicate_name_is_an_error_on_the_name_field(admin_client, admin_user, hook):
    make_hook(admin_user, name="Taken")
    response = admin_client.post(
        reverse("hooks:hook-edit", args=[hook.id]), edit_data(hook, name="Taken")
    )
    form = response.context["form"]
    assert form.errors["name"] == ["An event hook named 'Taken' already exists"]


def test_a_secret_typed_into_a_failing_form_is_asked_for_again_not_echoed(admin_client, hook):
    response = admin_client.post(
        reverse("hooks:hook-edit", args=[hook.id]),
        edit_data(hook, uri="ftp://x", auth_value="Bearer typed-NOT-echoed"),
    )
    page = response.content.decode()
    assert "typed-NOT-echoed" not in page
    assert "enter it again before saving" in page


def test_htmx_add_header_returns_only_the_rows_fragment(admin_client, hook):
    data = edit_data(hook, header_action="add")
    del data["save"]
    response = admin_client.post(
        reverse("hooks:hook-edit", args=[hook.id]), data, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="header-rows"')
    assert "<html" not in page
    assert page.count('name="headers_key"') == 3  # X-Env, the blank row, one more
    assert 'value="X-Env"' in page


def test_htmx_remove_header_drops_that_row(admin_client, hook):
    data = edit_data(hook, header_action="remove:0")
    del data["save"]
    response = admin_client.post(
        reverse("hooks:hook-edit", args=[hook.id]), data, HTTP_HX_REQUEST="true"
    )
    assert 'value="X-Env"' not in response.content.decode()
    assert EventHook.objects.get(pk=hook.pk).headers == [{"key": "X-Env", "value": "prod"}]


def test_an_htmx_save_answers_with_a_client_redirect(admin_client, hook):
    url = reverse("hooks:hook-edit", args=[hook.id])
    response = admin_client.post(url, edit_data(hook, name="Via htmx"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/eventhooks/{hook.id}"


# --- Signing secret ---------------------------------------------------------------------


def test_rotation_asks_first_then_shows_the_new_secret_exactly_once(admin_client, hook):
    url = reverse("hooks:hook-rotate-secret", args=[hook.id])
    assert b"Rotate the signing secret?" in admin_client.get(url).content
    old = hook.signing_secret
    response = admin_client.post(url)
    assert response["Location"] == f"/eventhooks/{hook.id}"
    hook.refresh_from_db()
    assert hook.signing_secret != old
    detail = reverse("hooks:hook-detail", args=[hook.id])
    first = admin_client.get(detail).content.decode()
    assert hook.signing_secret in first and "copy it now" in first
    assert hook.signing_secret not in admin_client.get(detail).content.decode()
    assert "The previous secret still signs until" in admin_client.get(detail).content.decode()


# --- Activity and health ------------------------------------------------------------------


def test_activity_lists_only_this_hooks_system_log_entries(admin_client, admin_user, hook):
    other = make_hook(admin_user, name="Other")[0]
    admin_client.post(reverse("hooks:hook-deactivate", args=[hook.id]))
    page = admin_client.get(reverse("hooks:hook-activity", args=[hook.id])).content.decode()
    assert "event_hook.created" in page and "event_hook.deactivated" in page
    assert page.index("event_hook.deactivated") < page.index("event_hook.created")
    assert other.id not in page
    fragment = admin_client.get(
        reverse("hooks:hook-activity", args=[hook.id]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="log-rows"')


def test_the_health_picture_counts_deliveries_per_hour_by_outcome(hook):
    now = timezone.now()
    for status, minutes_ago, duration in [
        ("SUCCEEDED", 5, 100.0),
        ("SUCCEEDED", 6, 300.0),
        ("FAILED", 7, 50.0),
        ("PENDING", 65, None),
    ]:
        delivery = Delivery.objects.create(hook=hook, status=status)
        moment = now - timedelta(minutes=minutes_ago)
        Delivery.objects.filter(pk=delivery.pk).update(created_at=moment)
        if duration is not None:
            DeliveryAttempt.objects.create(
                delivery=delivery, number=1, started_at=moment, duration_ms=duration
            )
    buckets = deliveries_per_hour(hook, now=now)
    assert len(buckets) == 24
    counted = sum(b.total for b in buckets)
    assert counted == 4
    by_status = (
        sum(b.succeeded for b in buckets),
        sum(b.failed for b in buckets),
        sum(b.pending for b in buckets),
    )
    assert by_status == (2, 1, 1)
    assert any(b.median_ms == 100.0 for b in buckets) or any(b.median_ms for b in buckets)
    svg = str(deliveries_chart_svg(buckets, title="Health <of> hook"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "Health &lt;of&gt; hook" in svg
    assert "succeeded" in svg and "median latency" in svg
    assert svg.count("<title>") == 24  # one per hour


def test_an_empty_health_picture_still_draws(hook):
    svg = str(deliveries_chart_svg(deliveries_per_hour(hook)))
    assert "0 deliveries in the last 24 hours" in svg


# --- #14 item 5: creator, fingerprint, health, plurals and relative times --------------------


def test_the_overview_names_the_creator_and_fingerprints_the_secret(admin_client, admin_user, hook):
    EventHook.objects.filter(pk=hook.pk).update(created_by=admin_user)
    page = admin_client.get(reverse("hooks:hook-detail", args=[hook.id])).content.decode()
    assert '<strong class="created-by">admin</strong>' in page
    fingerprint = hashlib.sha256(hook.signing_secret.encode()).hexdigest()[:8]
    assert f">{fingerprint}</code>" in page
    assert hook.signing_secret not in page
    assert "Never (made with the hook)" in page
    assert "just now" in page  # created a moment ago


def test_a_rotation_shows_its_time_on_the_overview(admin_client, hook):
    admin_client.post(reverse("hooks:hook-rotate-secret", args=[hook.id]))
    admin_client.get(reverse("hooks:hook-detail", args=[hook.id]))  # the one-time reveal
    page = admin_client.get(reverse("hooks:hook-detail", args=[hook.id])).content.decode()
    assert "Never (made with the hook)" not in page
    rotated = page.split("<dt>Rotated</dt>")[1].split("</dd>")[0]
    assert "just now" in rotated


@pytest.mark.parametrize(
    ("failures", "text"), [(1, "1 failed attempt in"), (3, "3 failed attempts")]
)
def test_a_failing_hook_is_flagged_in_its_header_and_the_list(admin_client, hook, failures, text):
    EventHook.objects.filter(pk=hook.pk).update(
        consecutive_failures=failures,
        failing_since=timezone.now() - timedelta(minutes=1, seconds=5),
        last_delivery_at=timezone.now(),
        last_delivery_outcome="FAILED",
    )
    detail = admin_client.get(reverse("hooks:hook-detail", args=[hook.id])).content.decode()
    assert 'id="hook-failing"' in detail and text in detail
    assert "1\xa0minute ago" in detail  # Django's timesince keeps number and unit together
    listing = admin_client.get(reverse("hooks:hook-list")).content.decode()
    assert '<th scope="col">Health</th>' in listing
    assert '<span class="health failing">Failing</span>' in listing and text in listing


def test_a_healthy_and_a_new_hook_read_so_in_the_list(admin_client, admin_user, hook):
    EventHook.objects.filter(pk=hook.pk).update(
        last_delivery_at=timezone.now(), last_delivery_outcome="SUCCEEDED"
    )
    make_hook(admin_user, name="Brand new")
    listing = admin_client.get(reverse("hooks:hook-list")).content.decode()
    assert '<span class="health ok">Healthy</span>' in listing
    assert '<span class="health idle">No deliveries yet</span>' in listing
    detail = admin_client.get(reverse("hooks:hook-detail", args=[hook.id])).content.decode()
    assert 'id="hook-failing"' not in detail
