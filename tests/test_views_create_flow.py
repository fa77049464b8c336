"""The creation flow: details → filters → preview → verify & activate, each step resumable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hooks.models import Event, EventHook
from hooks.systemlog.publishing import event_publish

pytestmark = pytest.mark.django_db

SECRET = "Bearer cr3ate-FLOW-secret-77"


def details(**changes) -> dict:
    data = {
        "uri": "https://receiver.example.com/okta",
        "name": "New hook",
        "description": "",
        "auth_key": "Authorization",
        "auth_value": SECRET,
        "headers_key": ["X-Team", ""],
        "headers_value": ["identity", ""],
        "event_types": ["user.lifecycle.create", "user.lifecycle.deactivate"],
        "save": "1",
    }
    data.update(changes)
    return data


@pytest.fixture
def hook(make_hook) -> EventHook:
    return make_hook(name="Filtered", auth_key="", auth_value="")


def filter_data(**changes) -> dict:
    """A filters form with section 0 (user.lifecycle.create) set to one builder row."""
    data = {
        "f0-apply": "on",
        "f0-mode": "simple",
        "f0-expression": "",
        "f0-row_field": ["actor.alternateId"],
        "f0-row_operator": ["eq"],
        "f0-row_value": ["admin@example.com"],
        "f1-mode": "simple",
        "f1-expression": "",
        "f1-row_field": ["eventType"],
        "f1-row_operator": ["eq"],
        "f1-row_value": [""],
    }
    data.update(changes)
    return data


# --- Step 1: details --------------------------------------------------------------------


def test_the_details_step_lists_the_catalog_grouped_by_category(admin_client):
    page = admin_client.get(reverse("hooks:hook-create")).content.decode()
    assert "<title>Create event hook" in page
    assert "<legend>User lifecycle</legend>" in page and "<legend>Groups</legend>" in page
    assert 'value="user.lifecycle.create"' in page
    assert 'type="password"' in page and "data-toggle-secret" in page
    assert 'aria-current="step"' in page
    assert page.count('name="headers_key"') == 2  # blank rows for browsers without JavaScript


def test_the_catalog_search_works_without_javascript(admin_client):
    page = admin_client.get(reverse("hooks:hook-create"), {"q": "membership"}).content.decode()
    assert 'value="group.user_membership.add"' in page
    assert 'value="user.lifecycle.create"' not in page


def test_a_search_post_keeps_the_chosen_types_and_shows_no_errors(admin_client):
    data = details(name="", q="membership", search="1")
    del data["save"]
    response = admin_client.post(reverse("hooks:hook-create"), data)
    page = response.content.decode()
    assert 'value="user.lifecycle.create" checked' in page  # selected, although not a match
    assert 'value="group.user_membership.add"' in page
    assert "This field is required" not in page
    assert not EventHook.objects.exists()


def test_an_htmx_search_returns_only_the_list_fragment(admin_client):
    data = details(q="session", search="1")
    response = admin_client.post(reverse("hooks:hook-create"), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="event-type-list"')
    assert 'value="user.session.start"' in page
    assert SECRET not in page


def test_add_another_header_without_javascript_redraws_the_form_with_one_more_row(admin_client):
    data = details(header_action="add")
    del data["save"]
    page = admin_client.post(reverse("hooks:hook-create"), data).content.decode()
    assert page.count('name="headers_key"') == 3
    assert 'value="X-Team"' in page
    assert SECRET not in page
    assert "enter it again before saving" in page
    assert not EventHook.objects.exists()


def test_create_saves_an_unverified_hook_and_opens_the_filters_step(admin_client):
    response = admin_client.post(reverse("hooks:hook-create"), details())
    hook = EventHook.objects.get()
    assert response["Location"] == f"/eventhooks/{hook.id}/filters?setup=1"
    assert (hook.status, hook.verification_status) == ("ACTIVE", "UNVERIFIED")
    assert hook.headers == [{"key": "X-Team", "value": "identity"}]
    assert hook.auth_value == SECRET
    assert hook.event_types == ["user.lifecycle.create", "user.lifecycle.deactivate"]
    assert hook.description is None
    step = admin_client.get(response["Location"]).content.decode()
    assert hook.signing_secret in step  # shown once
    assert 'aria-current="step"' in step and "Skip this step" in step
    assert hook.signing_secret not in admin_client.get(response["Location"]).content.decode()
    assert SECRET not in step


def test_an_htmx_create_answers_with_a_client_redirect(admin_client):
    response = admin_client.post(reverse("hooks:hook-create"), details(), HTTP_HX_REQUEST="true")
    hook = EventHook.objects.get()
    assert response["HX-Redirect"] == f"/eventhooks/{hook.id}/filters?setup=1"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"uri": ""}, "uri", "This field is required."),
        ({"uri": "ftp://x.example.com/"}, "uri", "The URI must start with https://."),
        ({"uri": "https://exa mple.com/"}, "uri", "whitespace"),
        ({"event_types": []}, "event_types", "Subscribe to at least one event type"),
        ({"event_types": ["event_hook.created"]}, "event_types", "is not eligible"),
        ({"headers_key": ["X Bad"], "headers_value": ["v"]}, "headers", "not a valid header name"),
        ({"headers_key": ["", "Host"], "headers_value": ["", "v"]}, "headers", "Header 1 key"),
        ({"headers_key": ["X-A"], "headers_value": ["a\nb"]}, "headers", "line breaks"),
        ({"headers_key": ["authorization"], "headers_value": ["v"]}, "headers", "reserved"),
        ({"auth_key": ""}, "auth_key", "A header name is needed for the secret"),
        ({"auth_key": "bad key"}, "auth_key", "not a valid header name"),
        ({"auth_value": "a\nb"}, "auth_value", "Must not contain line breaks"),
        ({"description": "x" * 4097}, "description", "at most 4096 characters"),
    ],
)
def test_every_invalid_detail_is_an_error_on_its_field(admin_client, changes, field, message):
    response = admin_client.post(reverse("hooks:hook-create"), details(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert message.split("'")[0] in response.content.decode().replace("&#x27;", "'")
    assert SECRET not in response.content.decode()
    assert not EventHook.objects.exists()


def test_a_duplicate_name_is_refused(admin_client, hook):
    response = admin_client.post(reverse("hooks:hook-create"), details(name="Filtered"))
    assert response.context["form"].errors["name"] == [
        "An event hook named 'Filtered' already exists"
    ]


def test_the_active_hook_limit_is_a_form_level_error(admin_client, hook, settings):
    settings.HOOKS_MAX_ACTIVE = 1
    response = admin_client.post(reverse("hooks:hook-create"), details())
    assert "At most 1 event hooks can be ACTIVE" in response.content.decode()


# --- Step 2: filters ------------------------------------------------------------------


def test_the_filters_step_has_a_section_per_subscribed_type(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-filters", args=[hook.id])).content.decode()
    assert "<title>Filtered · Filters" in page
    assert "user.lifecycle.create" in page and "group.user_membership.add" in page
    assert "Preview bypasses filters" in page
    assert page.count("Apply filter") == 2
    assert 'value="actor.alternateId"' in page  # the Field dropdown


def test_builder_rows_are_saved_as_okta_el_and_the_flow_continues(admin_client, hook):
    url = reverse("hooks:hook-filters", args=[hook.id])
    response = admin_client.post(url, filter_data(setup="1"))
    assert response["Location"] == f"/eventhooks/{hook.id}/preview?setup=1"
    hook.refresh_from_db()
    assert hook.filters == {
        "user.lifecycle.create": "event.actor.alternateId eq 'admin@example.com'"
    }
    page = admin_client.get(url).content.decode()
    assert 'value="admin@example.com"' in page  # read back into builder rows


def test_an_advanced_expression_is_saved_as_written(admin_client, hook):
    expression = "event.target.?[type eq 'UserGroup'].size()>0 || event.actor.id eq '00u1'"
    data = filter_data(**{"f0-mode": "advanced", "f0-expression": expression})
    response = admin_client.post(reverse("hooks:hook-filters", args=[hook.id]), data)
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.filters["user.lifecycle.create"] == expression
    page = admin_client.get(reverse("hooks:hook-filters", args=[hook.id])).content.decode()
    assert 'value="advanced" data-mode checked' in page  # data-mode: #14 item 3


def test_unticking_apply_filter_removes_the_filter(admin_client, hook):
    url = reverse("hooks:hook-filters", args=[hook.id])
    admin_client.post(url, filter_data())
    data = filter_data()
    del data["f0-apply"]
    admin_client.post(url, data)
    hook.refresh_from_db()
    assert hook.filters == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"f0-mode": "advanced", "f0-expression": "event.actor.id eq "}, "expected a value"),
        # #14 item 3: a blank expression falls back on the conditions; with none, an error.
        (
            {"f0-mode": "advanced", "f0-expression": "", "f0-row_value": [""]},
            "The expression cannot be left blank.",
        ),
        ({"f0-mode": "advanced", "f0-expression": "event.actor.id"}, "must evaluate to true"),
        ({"f0-row_value": [""]}, "Add at least one condition"),
        ({"f0-row_field": ["nonsense"]}, "Choose a field"),
    ],
)
def test_every_invalid_filter_is_an_error_in_its_section(admin_client, hook, changes, message):
    response = admin_client.post(
        reverse("hooks:hook-filters", args=[hook.id]), filter_data(**changes)
    )
    assert response.status_code == 200
    section = response.context["sections"][0]
    assert any(message in error for error in section.errors["expression"])
    hook.refresh_from_db()
    assert hook.filters == {}


def test_add_another_row_without_javascript_and_as_an_htmx_fragment(admin_client, hook):
    url = reverse("hooks:hook-filters", args=[hook.id])
    page = admin_client.post(url, filter_data(row_action="add:0")).content.decode()
    # #14 item 3: exactly one more row than posted (it used to add two).
    assert page.count('name="f0-row_value"') == 2
    assert "Add at least one condition" not in page
    fragment = admin_client.post(
        url, filter_data(row_action="add:0"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<fieldset class="card filter-section" id="section-f0"')
    removed = admin_client.post(
        url, filter_data(row_action="remove:0:0"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'value="admin@example.com"' not in removed
    hook.refresh_from_db()
    assert hook.filters == {}


def test_the_live_check_backtests_a_valid_filter_on_recent_events(admin_client, hook):
    event_publish(
        events=[
            {"eventType": "group.user_membership.add", "actor": {"id": "00u1", "alternateId": who}}
            for who in ("admin@example.com", "admin@example.com", "other@example.com")
        ]
    )
    url = reverse("hooks:hook-filter-check", args=[hook.id]) + "?section=1"
    data = filter_data(
        **{"f1-row_field": ["actor.alternateId"], "f1-row_value": ["admin@example.com"]}
    )
    response = admin_client.post(url, data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page
    assert "<strong>2 of 3</strong> recent" in page
    assert "Matching examples (2)" in page and "Examples that do not match (1)" in page
    assert "event.actor.alternateId eq &#x27;admin@example.com&#x27;" in page


def test_the_live_check_shows_the_error_position_with_a_caret(admin_client, hook):
    url = reverse("hooks:hook-filter-check", args=[hook.id]) + "?section=0"
    data = filter_data(**{"f0-mode": "advanced", "f0-expression": "event.actor.id eq 'a' &&"})
    page = admin_client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "Not a valid filter" in page and "(column 25)" in page
    assert '<mark title="column 25">' in page


def test_the_check_without_javascript_redraws_the_page_with_the_result(admin_client, hook):
    url = reverse("hooks:hook-filter-check", args=[hook.id]) + "?section=0"
    page = admin_client.post(url, filter_data()).content.decode()
    assert "<title>Filtered · Filters" in page
    assert 'class="check ok"' in page
    assert (
        admin_client.post(
            reverse("hooks:hook-filter-check", args=[hook.id]) + "?section=9", filter_data()
        ).status_code
        == 404
    )


def test_the_check_works_even_before_apply_is_ticked(admin_client, hook):
    data = filter_data()
    del data["f0-apply"]
    url = reverse("hooks:hook-filter-check", args=[hook.id]) + "?section=0"
    assert b"check ok" in admin_client.post(url, data, HTTP_HX_REQUEST="true").content


# --- Steps 3 and 4, and resuming -------------------------------------------------------


def test_the_preview_step_offers_next_and_skip(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-preview", args=[hook.id]) + "?setup=1")
    content = page.content.decode()
    assert f"/eventhooks/{hook.id}/activate?setup=1" in content and "Skip this step" in content


def test_the_activate_step_explains_verification_and_offers_do_it_later(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-activate-step", args=[hook.id]) + "?setup=1")
    content = page.content.decode()
    assert "X-Okta-Verification-Challenge" in content
    assert "Do it later" in content and ">Verify</button>" in content
    assert 'aria-current="step"' in content


def test_an_unverified_hook_page_links_back_into_every_step(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-detail", args=[hook.id])).content.decode()
    for step in ("filters", "preview", "activate"):
        assert f"/eventhooks/{hook.id}/{step}?setup=1" in page


@pytest.mark.django_db(transaction=True)
def test_verify_on_the_activate_step_shows_the_live_result(admin_client, hook, receiver):
    EventHook.objects.filter(pk=hook.pk).update(uri=receiver.url)
    url = reverse("hooks:hook-verify", args=[hook.id])
    data = {"fragment": "verify", "next": f"/eventhooks/{hook.id}/activate?setup=1"}
    receiver.set_behaviour(verification="wrong")
    failed = admin_client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "Verification failed" in failed and "did not match" in failed
    receiver.set_behaviour(verification="echo")
    verified = admin_client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "Verified" in verified and 'hx-swap-oob="true"' in verified
    assert EventHook.objects.get(pk=hook.pk).verification_status == "VERIFIED"
    assert Event.objects.filter(event_type="event_hook.verified").count() == 2


# --- #14 item 3: filter builder fixes ---------------------------------------------------------


def test_add_another_adds_exactly_one_row_however_many_are_blank(admin_client, hook):
    url = reverse("hooks:hook-filters", args=[hook.id])
    for values in (["a@x.com"], ["a@x.com", ""], ["", ""]):
        data = filter_data(
            row_action="add:0",
            **{
                "f0-row_field": ["actor.alternateId"] * len(values),
                "f0-row_operator": ["eq"] * len(values),
                "f0-row_value": values,
            },
        )
        fragment = admin_client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
        assert fragment.count('name="f0-row_value"') == len(values) + 1, values


def test_a_new_row_has_no_field_chosen(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-filters", args=[hook.id])).content.decode()
    section = page.split('id="section-f0"')[1].split("</fieldset>")[0]
    assert '<option value="" selected>Choose a field…</option>' in section
    assert '<option value="eventType" selected>' not in section


def test_switching_to_expression_language_carries_the_conditions_over(admin_client, hook):
    url = reverse("hooks:hook-filters", args=[hook.id])
    data = filter_data(row_action="mode:0", **{"f0-mode": "advanced"})
    fragment = admin_client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<fieldset class="card filter-section" id="section-f0"')
    expression = "event.actor.alternateId eq &#x27;admin@example.com&#x27;"
    assert f">{expression}</textarea>" in fragment
    assert 'class="check ok"' in fragment  # the switched-to mode is checked at once
    # And back: an expression of the builder's shape becomes rows again.
    back = filter_data(
        row_action="mode:0",
        **{
            "f0-mode": "simple",
            "f0-row_value": [""],
            "f0-expression": "event.actor.id ne '00u1' && event.eventType.startsWith('user.')",
        },
    )
    rows = admin_client.post(url, back, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="00u1"' in rows and 'value="user."' in rows
    assert '<option value="ne" selected>' in rows and '<option value="sw" selected>' in rows


def test_saving_in_expression_language_with_the_box_left_blank_saves_the_conditions(
    admin_client, hook
):
    """Without JavaScript the box is drawn blank; the conditions on screen are the filter."""
    data = filter_data(**{"f0-mode": "advanced", "f0-expression": ""})
    response = admin_client.post(reverse("hooks:hook-filters", args=[hook.id]), data)
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.filters == {
        "user.lifecycle.create": "event.actor.alternateId eq 'admin@example.com'"
    }


def test_rows_save_every_operator(admin_client, hook):
    data = filter_data(
        **{
            "f0-row_field": ["actor.alternateId", "target.type", "outcome.reason"],
            "f0-row_operator": ["ew", "ne", "co"],
            "f0-row_value": ["@corp.com", "UserGroup", "PASSWORD"],
        }
    )
    admin_client.post(reverse("hooks:hook-filters", args=[hook.id]), data)
    hook.refresh_from_db()
    assert hook.filters["user.lifecycle.create"] == (
        "event.actor.alternateId.endsWith('@corp.com')"
        " && event.target.?[type eq 'UserGroup'].size() eq 0"
        " && event.outcome.reason.contains('PASSWORD')"
    )
    page = admin_client.get(reverse("hooks:hook-filters", args=[hook.id])).content.decode()
    assert page.count("selected>ew ·") == 1 and page.count("selected>co ·") == 1


def test_an_operator_a_field_does_not_offer_is_an_error(admin_client, hook):
    data = filter_data(**{"f0-row_field": ["changedAttributes"], "f0-row_operator": ["sw"]})
    response = admin_client.post(reverse("hooks:hook-filters", args=[hook.id]), data)
    assert response.status_code == 200
    assert "changedAttributes offers only" in response.content.decode()


def test_a_refused_save_keeps_the_check_and_its_caret(admin_client, hook):
    data = filter_data(**{"f0-mode": "advanced", "f0-expression": "event.actor.id eq 'x' &&"})
    page = admin_client.post(reverse("hooks:hook-filters", args=[hook.id]), data).content.decode()
    section = page.split('id="section-f0"')[1].split("</fieldset>")[0]
    check = section.split('id="check-f0"')[1]
    assert 'class="check bad"' in check and "<mark" in check and "(column" in check
    assert section.count("Not a valid filter") == 1
    assert '<p class="error-text" role="alert">' not in section  # said once, in the check


# --- #14 item 4: create flow polish -------------------------------------------------------------


def test_the_selected_count_is_drawn_for_the_script_to_update(admin_client):
    page = admin_client.post(
        reverse("hooks:hook-create"),
        {
            "event_types": ["user.lifecycle.create", "group.user_membership.add"],
            "search": "1",
        },
    ).content.decode()
    assert "<span data-selected-count>2</span> selected" in page
    assert "data-selected-chips" in page


@pytest.mark.parametrize(
    ("networks", "hint"),
    [
        (["127.0.0.0/8", "::1/128"], "http:// is allowed for addresses in 127.0.0.0/8, ::1/128"),
        ([], "Must start with https:// and answer"),
    ],
)
def test_the_url_hint_says_when_http_is_allowed(admin_client, settings, networks, hint):
    settings.HOOKS_ALLOWED_NETWORKS = networks
    page = admin_client.get(reverse("hooks:hook-create")).content.decode()
    assert hint in page


def test_step_four_is_named_verify(admin_client, hook):
    page = admin_client.get(reverse("hooks:hook-create")).content.decode()
    assert '<span class="num">4</span> Verify\n' in page
    step = admin_client.get(reverse("hooks:hook-activate-step", args=[hook.id]) + "?setup=1")
    assert f"<title>{hook.name} · Verify ·" in step.content.decode()
    assert "Verify &amp; activate" not in step.content.decode()


def test_an_error_summary_takes_focus_and_links_to_each_field(admin_client):
    page = admin_client.post(reverse("hooks:hook-create"), {"uri": "ftp://x", "save": "1"})
    content = page.content.decode()
    assert 'class="errors error-summary" role="alert" tabindex="-1" data-error-summary' in content
    assert '<a href="#id_name">Event hook name</a>: This field is required.' in content
    data = {"uri": "ftp://x", "name": "N", "save": "1"}  # the service's checks, this time
    content = admin_client.post(reverse("hooks:hook-create"), data).content.decode()
    summary = content.split("data-error-summary>")[1].split("</div>")[0]
    assert "2 problems to fix before saving" in summary
    assert '<a href="#id_uri">Endpoint URL</a>' in summary
    assert '<a href="#event-type-list">Event types</a>' in summary


@pytest.mark.django_db(transaction=True)
def test_after_verifying_go_to_hook_is_the_main_button(admin_client, hook, receiver):
    EventHook.objects.filter(pk=hook.pk).update(uri=receiver.url)
    data = {"fragment": "verify", "next": f"/eventhooks/{hook.id}/activate?setup=1"}
    verified = admin_client.post(
        reverse("hooks:hook-verify", args=[hook.id]), data, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'<a class="button primary" id="go-to-hook" href="/eventhooks/{hook.id}">Go to hook' in (
        verified
    )
    assert '<button type="submit" id="verify-button" hx-swap-oob="true">Verify again' in verified
    page = admin_client.get(reverse("hooks:hook-activate-step", args=[hook.id])).content.decode()
    assert 'id="go-to-hook"' in page and 'class="primary">Verify<' not in page
