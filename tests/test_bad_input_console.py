"""The console answers bad input with a form error or a 400 page, never a 500 (issue #10)."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse

from hooks.models import EventHook

pytestmark = pytest.mark.django_db

OUT_OF_RANGE_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]
NESTED_BODY = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def hook(make_hook) -> EventHook:
    return make_hook(name="Bad input", auth_key="", auth_value="")


def filter_data() -> dict:
    return {
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


@pytest.mark.parametrize("section", ["²", "١", "-1", "9" * 5000, " 0"])
def test_a_malformed_filter_section_is_400(admin_client, hook, section):
    url = reverse("hooks:hook-filter-check", args=[hook.id])
    response = admin_client.post(f"{url}?section={section}", filter_data())
    assert response.status_code == 400


@pytest.mark.parametrize("action", ["add:²", "remove:²:0", "remove:0:²", "add:" + "9" * 5000])
def test_a_malformed_row_action_redraws_the_filters(admin_client, hook, action):
    url = reverse("hooks:hook-filters", args=[hook.id])
    response = admin_client.post(url, {**filter_data(), "row_action": action})
    assert response.status_code == 200
    assert "<title>Bad input · Filters" in response.content.decode()


def test_a_malformed_header_action_on_the_details_form_is_not_a_500(admin_client):
    response = admin_client.post(reverse("hooks:hook-create"), {"header_action": "remove:²"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["hook-preview-check", "hook-preview-deliver"])
def test_a_preview_body_nested_10000_deep_is_a_form_error(admin_client, hook, path):
    data = {"event_type": "user.lifecycle.create", "body": NESTED_BODY}
    response = admin_client.post(reverse(f"hooks:{path}", args=[hook.id]), data)
    assert response.status_code == 200
    assert "nested more than" in response.content.decode()


def test_a_preview_body_nested_10000_deep_is_a_form_error_for_htmx(admin_client, hook):
    url = reverse("hooks:hook-preview-check", args=[hook.id])
    response = admin_client.post(url, {"body": NESTED_BODY}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "nested more than" in response.content.decode()


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES)
def test_out_of_range_times_on_the_system_log_are_a_form_error(admin_client, name, moment):
    response = admin_client.get(reverse("hooks:system-log"), {name: moment})
    assert response.status_code == 200
    assert response.context["form"].errors[name]


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES)
def test_out_of_range_times_on_the_deliveries_tab_are_a_form_error(
    admin_client, hook, name, moment
):
    response = admin_client.get(reverse("hooks:hook-deliveries", args=[hook.id]), {name: moment})
    assert response.status_code == 200
    assert response.context["filter_form"].errors[name]


@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES)
def test_out_of_range_times_when_redelivering_failed_are_ignored(admin_client, hook, moment):
    url = reverse("hooks:deliveries-redeliver-failed", args=[hook.id])
    assert admin_client.get(url, {"since": moment, "until": moment}).status_code == 200
    progress = reverse("hooks:redelivery-progress", args=[hook.id])
    assert admin_client.get(progress, {"from": moment}).status_code == 302


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("0001-01-01T00:00:00+01:00|5"),
        _cursor("2025-01-01T00:00:00+00:00|99999999999999999999999999"),
        "ü",
    ],
)
def test_bad_cursors_on_the_console_go_back_to_the_first_page(admin_client, hook, cursor):
    assert admin_client.get(reverse("hooks:system-log"), {"after": cursor}).status_code == 302
    url = reverse("hooks:hook-deliveries", args=[hook.id])
    assert admin_client.get(url, {"after": cursor}).status_code == 302
