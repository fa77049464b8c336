"""With DEBUG off nothing but the sign-in page and /healthz answers an anonymous caller:
the OpenAPI schema and docs want a super admin or a token, /metrics its bearer token (and
a system check errors without one), and password reset exists only with email configured.

pytest-django runs every test with DEBUG off, as production does.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.checks import ERROR
from django.test import override_settings
from django.urls import clear_url_caches
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["/api/v1/schema", "/api/v1/docs"]


# -- OpenAPI schema and docs -------------------------------------------------------------
@pytest.mark.parametrize("url", DOCS)
def test_anonymous_callers_get_no_schema_or_docs(client, url):
    response = client.get(url)
    assert response.status_code in (302, 401, 403)
    assert b"listEventHooks" not in response.content
    assert b"swagger" not in response.content.lower()


def test_the_docs_page_sends_an_anonymous_browser_to_sign_in(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/v1/docs")


@pytest.mark.parametrize("url", DOCS)
def test_a_signed_in_super_admin_gets_schema_and_docs(admin_client, url):
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("url", DOCS)
def test_an_api_token_gets_schema_and_docs(api, url):
    assert api.get(url).status_code == 200


@pytest.mark.parametrize("url", DOCS)
def test_a_staff_member_who_is_not_a_super_admin_gets_no_schema(client, staff_user, url):
    client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 403
    assert b"listEventHooks" not in response.content


def test_a_bad_token_gets_an_okta_error_not_the_schema():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="SSWS not-a-token")
    response = client.get("/api/v1/schema")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "E0000011"


@pytest.mark.parametrize("url", DOCS)
def test_hooks_public_api_docs_makes_them_public(client, settings, url):
    settings.HOOKS_PUBLIC_API_DOCS = True
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", DOCS)
def test_development_mode_keeps_them_public(client, settings, url):
    settings.DEBUG = True
    assert client.get(url).status_code == 200


def test_public_api_docs_are_off_by_default():
    assert django_settings.HOOKS_PUBLIC_API_DOCS is False


# -- /metrics ----------------------------------------------------------------------------
def test_metrics_without_a_configured_token_are_closed_with_debug_off(client, settings):
    settings.HOOKS_METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 401
    assert b"HOOKS_METRICS_TOKEN" in response.content
    assert b"hooks_events_published_total" not in response.content


def test_metrics_stay_open_without_a_token_in_development_mode(client, settings):
    settings.HOOKS_METRICS_TOKEN = ""
    settings.DEBUG = True
    assert client.get("/metrics").status_code == 200


def test_the_system_check_errors_without_a_metrics_token(settings):
    from hooks.checks import exposure_check

    settings.DEBUG = False
    settings.HOOKS_METRICS_TOKEN = ""
    [error] = [message for message in exposure_check(None) if message.id == "hooks.E001"]
    assert error.level == ERROR and error.is_serious()
    assert "HOOKS_METRICS_TOKEN" in error.msg + error.hint
    settings.HOOKS_METRICS_TOKEN = "scrape-me-9f8e7d"
    assert exposure_check(None) == []
    settings.HOOKS_METRICS_TOKEN = ""
    settings.DEBUG = True
    assert exposure_check(None) == []


@pytest.mark.slow  # a child Python process
def test_manage_py_check_fails_in_production_without_a_metrics_token():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "hooksite.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-real-key-" + "x" * 50,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "hooks.E001" in result.stderr


# -- password reset ----------------------------------------------------------------------
def reload_urls() -> None:
    importlib.reload(importlib.import_module(django_settings.ROOT_URLCONF))
    clear_url_caches()


@contextmanager
def urls_with(**overrides):
    """Rebuild the URL configuration under `overrides`, and again after them."""
    try:
        with override_settings(**overrides):
            reload_urls()
            yield
    finally:
        reload_urls()


RESET_URLS = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/done/",
]


@pytest.mark.parametrize("url", RESET_URLS)
def test_password_reset_is_not_mounted_without_email(client, url):
    with urls_with(HOOKS_PASSWORD_RESET=False):
        assert client.get(url).status_code == 404


def test_password_reset_is_mounted_when_enabled(client):
    with urls_with(HOOKS_PASSWORD_RESET=True):
        assert client.get("/accounts/password_reset/").status_code == 200


def test_sign_in_and_out_stay_mounted_without_email(client):
    with urls_with(HOOKS_PASSWORD_RESET=False):
        assert client.get("/accounts/login/").status_code == 200


@pytest.mark.slow  # a child Python process
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "False"),
        ({"EMAIL_HOST": "smtp.example.com"}, "True"),
        ({"EMAIL_HOST": "smtp.example.com", "HOOKS_PASSWORD_RESET": "0"}, "False"),
    ],
)
def test_password_reset_follows_email_configuration(variables, expected):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "hooksite.settings",
        "DJANGO_DEBUG": "1",
        **variables,
    }
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.HOOKS_PASSWORD_RESET)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
