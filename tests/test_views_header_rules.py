"""The console's details form refuses header names and values HTTP cannot carry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hooks.models import EventHook

pytestmark = pytest.mark.django_db


def details(**changes) -> dict:
    data = {
        "uri": "https://receiver.example.com/okta",
        "name": "Header rules",
        "description": "",
        "auth_key": "Authorization",
        "auth_value": "Bearer fine",
        "headers_key": ["X-Team"],
        "headers_value": ["identity"],
        "event_types": ["user.lifecycle.create"],
        "save": "1",
    }
    data.update(changes)
    return data


def field_errors(admin_client, **changes) -> dict[str, list[str]]:
    response = admin_client.post(reverse("hooks:hook-create"), details(**changes))
    assert response.status_code == 200
    assert not EventHook.objects.exists()
    return response.context["form"].errors


def test_a_header_value_with_a_euro_sign_is_an_error_on_its_row(admin_client):
    errors = field_errors(admin_client, headers_value=["10 \u20ac"])
    assert errors["headers"] == [
        "Header 1 value: The value of X-Team may only contain printable ASCII characters, "
        "spaces and tabs, not U+20AC"
    ]


def test_a_header_value_with_a_control_character_is_an_error_on_its_row(admin_client):
    errors = field_errors(admin_client, headers_value=["a\x07b"])
    assert errors["headers"] == [
        "Header 1 value: The value of X-Team may only contain printable ASCII characters, "
        "spaces and tabs, not U+0007"
    ]


def test_an_auth_secret_with_a_euro_sign_is_an_error_on_the_secret(admin_client):
    errors = field_errors(admin_client, auth_value="Bearer \u20ac")
    assert errors["auth_value"] == [
        "The value of Authorization may only contain printable ASCII characters, "
        "spaces and tabs, not U+20AC"
    ]


def test_a_valid_form_still_creates_the_hook(admin_client):
    response = admin_client.post(reverse("hooks:hook-create"), details())
    assert response.status_code == 302
    assert EventHook.objects.get().headers == [{"key": "X-Team", "value": "identity"}]


def test_more_than_20_header_rows_is_an_error_on_the_headers(admin_client):
    keys = [f"X-Custom-{index}" for index in range(21)]
    errors = field_errors(admin_client, headers_key=keys, headers_value=["v"] * 21)
    assert errors["headers"] == ["At most 20 custom headers, got 21"]


def test_a_header_value_over_1024_characters_is_an_error_on_its_row(admin_client):
    errors = field_errors(admin_client, headers_value=["v" * 1025])
    assert errors["headers"] == ["Header 1 value: Must be at most 1024 characters"]


def test_an_auth_field_over_100_characters_is_an_error_on_the_field(admin_client):
    errors = field_errors(admin_client, auth_key="X-" + "a" * 99)
    # The field's own max_length (also the input's maxlength attribute) says it first.
    assert errors["auth_key"] == ["Ensure this value has at most 100 characters (it has 101)."]
