"""Sign-in throttling on the console's and the admin's login pages.

Failures are counted per attempted username and per client address in the database,
so every web process shares the count. A throttled attempt checks no password and
publishes no System Log event; other accounts and other addresses are not locked out.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client

from hooks.models import Event

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]
ACCOUNT_THROTTLED = "Too many failed sign-ins for this account; try again in 15 minutes"
ADDRESS_THROTTLED = "Too many failed sign-ins from your address; try again in 15 minutes"


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@x.io", "boss-pass-123")


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_superuser("other", "other@x.io", "other-pass-123")


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """Usernames whose password the authentication backend checked, in order."""
    checked = []
    real_authenticate = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        return real_authenticate(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return checked


def sign_in(client: Client, page: str, username: str, password: str, address="10.0.0.1"):
    return client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)


def failed_sign_ins() -> list[dict]:
    return [
        event.data
        for event in Event.objects.filter(event_type="user.session.start").order_by("id")
        if event.data["outcome"]["result"] == "FAILURE"
    ]


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_sixth_try_for_one_account_is_refused_without_checking_the_password(
    page, boss, password_checks
):
    client = Client()
    for _ in range(5):
        assert sign_in(client, page, "boss", "wrong").status_code == 200
    assert len(password_checks) == 5

    response = sign_in(client, page, "boss", "boss-pass-123")  # even the right password

    assert response.status_code in (200, 429)
    assert ACCOUNT_THROTTLED in response.content.decode()
    assert not is_signed_in(client)
    assert len(password_checks) == 5  # the password was not checked
    assert len(failed_sign_ins()) == 5  # and no event for the throttled try


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_a_throttled_account_does_not_lock_out_other_accounts(page, boss, other):
    client = Client()
    for _ in range(5):
        sign_in(client, page, "boss", "wrong")
    assert ACCOUNT_THROTTLED in sign_in(client, page, "boss", "wrong").content.decode()

    response = sign_in(client, page, "other", "other-pass-123")

    assert response.status_code == 302
    assert is_signed_in(client)


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_an_address_is_throttled_across_usernames_and_other_addresses_are_not(page, boss):
    client = Client()
    for number in range(20):
        sign_in(client, page, f"guess{number}", "wrong", address="10.6.6.6")

    refused = sign_in(client, page, "boss", "boss-pass-123", address="10.6.6.6")
    assert ADDRESS_THROTTLED in refused.content.decode()
    assert not is_signed_in(client)

    allowed = sign_in(client, page, "boss", "boss-pass-123", address="10.7.7.7")
    assert allowed.status_code == 302 and is_signed_in(client)


def test_the_limits_and_the_window_are_settings(boss, settings):
    settings.HOOKS_LOGIN_FAILURES_PER_USERNAME = 2
    settings.HOOKS_LOGIN_FAILURE_WINDOW = 120.0
    client = Client()
    sign_in(client, "/accounts/login/", "boss", "wrong")
    sign_in(client, "/accounts/login/", "boss", "wrong")
    response = sign_in(client, "/accounts/login/", "boss", "boss-pass-123")
    assert "Too many failed sign-ins for this account; try again in 2 minutes" in (
        response.content.decode()
    )


def test_the_throttle_ends_with_its_window(boss, monkeypatch):
    from hooks.access import login_throttle

    now = [1_800_000_000.0]
    monkeypatch.setattr(login_throttle, "now", lambda: now[0])
    client = Client()
    for _ in range(5):
        sign_in(client, "/accounts/login/", "boss", "wrong")
    now[0] += 14 * 60
    response = sign_in(client, "/accounts/login/", "boss", "boss-pass-123")
    assert "try again in 1 minute" in response.content.decode()
    now[0] += 61
    assert sign_in(client, "/accounts/login/", "boss", "boss-pass-123").status_code == 302


def test_a_successful_sign_in_forgets_the_accounts_earlier_failures(boss):
    client = Client()
    for _ in range(4):
        sign_in(client, "/accounts/login/", "boss", "wrong")
    assert sign_in(client, "/accounts/login/", "boss", "boss-pass-123").status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "/accounts/login/", "boss", "wrong")
    assert sign_in(client, "/accounts/login/", "boss", "boss-pass-123").status_code == 302


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_a_failed_sign_in_names_the_attempted_username_as_the_actor(page, boss):
    sign_in(Client(), page, "b0ss", "wrong")
    [failure] = failed_sign_ins()
    assert failure["actor"]["alternateId"] == "b0ss"
    assert failure["actor"]["type"] == "User"
    assert failure["client"]["ipAddress"] == "10.0.0.1"
    assert failure["outcome"] == {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}
