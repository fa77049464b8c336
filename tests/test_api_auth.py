"""Authentication, permissions and the rate limit of the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hooks.access.tokens import token_create, token_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_minute(monkeypatch):
    """Every request of a test falls in one rate-limit window (no minute boundary between)."""
    import time
    from types import SimpleNamespace

    from hooks.api import throttling

    middle = (time.time() // 60) * 60 + 30
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: middle))


def client_with(header: str | None) -> APIClient:
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


@pytest.mark.parametrize("template", ["SSWS {}", "SSWS{}", "SSWS  {}"])
def test_ssws_tokens_work_with_or_without_the_space(api_token, template):
    response = client_with(template.format(api_token)).get("/api/v1/eventHooks")
    assert response.status_code == 200


@pytest.mark.parametrize("header", [None, "SSWS nope", "SSWSnope", "Bearer abc", "SSWS"])
def test_missing_or_bad_credentials_get_401_e0000011(header):
    response = client_with(header).get("/api/v1/eventHooks")
    assert response.status_code == 401
    body = response.json()
    assert body["errorCode"] == "E0000011"
    assert body["errorSummary"] == "Invalid token provided"


def test_a_revoked_token_is_refused(admin_user):
    row, token = token_create(user=admin_user, name="soon revoked")
    assert client_with(f"SSWS {token}").get("/api/v1/eventHooks").status_code == 200
    token_revoke(token=row)
    assert client_with(f"SSWS {token}").get("/api/v1/eventHooks").status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(admin_user):
    _, token = token_create(user=admin_user, name="user leaves")
    assert client_with(f"SSWS {token}").get("/api/v1/eventHooks").status_code == 200
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    assert client_with(f"SSWS {token}").get("/api/v1/eventHooks").status_code == 401


def test_an_accepted_token_comes_with_its_user_and_records_its_use(admin_user):
    from hooks.access.tokens import token_authenticate

    row, token = token_create(user=admin_user, name="used")
    accepted = token_authenticate(token)
    assert accepted is not None and accepted.pk == row.pk
    assert accepted.user == admin_user and accepted.user.is_superuser
    assert accepted.name == "used" and accepted.get_deferred_fields() == set()
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert token_authenticate(token + "x") is None


def test_tokens_are_stored_only_as_a_hash(admin_user):
    row, token = token_create(user=admin_user, name="hashed")
    row.refresh_from_db()
    assert token not in (row.token_hash, row.token_hint, row.name)
    assert len(row.token_hash) == 64


def test_a_token_of_a_user_who_is_not_a_super_admin_gets_403_e0000006(staff_user):
    _, token = token_create(user=staff_user, name="staff")
    response = client_with(f"SSWS {token}").get("/api/v1/eventHooks")
    assert response.status_code == 403
    assert response.json()["errorCode"] == "E0000006"


def test_the_console_session_works_for_super_admins_with_csrf(admin_user, hook_body):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.get("/api/v1/eventHooks").status_code == 200
    # Unsafe methods without the CSRF token are refused, as Django's session auth requires.
    refused = client.post("/api/v1/eventHooks", hook_body, format="json")
    assert refused.status_code == 403
    assert refused.json()["errorCode"] == "E0000006"


def test_the_session_of_a_staff_user_gets_403(staff_user):
    client = APIClient()
    client.force_login(staff_user)
    assert client.get("/api/v1/eventHooks").json()["errorCode"] == "E0000006"


def test_the_rate_limit_answers_429_with_the_headers_okta_sdks_need(api, settings):
    settings.HOOKS_API_RATE_LIMIT = 3
    statuses = [api.get("/api/v1/eventHooks").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/eventHooks")
    assert limited.json()["errorCode"] == "E0000047"
    assert limited["X-Rate-Limit-Limit"] == "3"
    assert limited["X-Rate-Limit-Remaining"] == "0"
    assert int(limited["X-Rate-Limit-Reset"]) > 0
    assert limited["Date"]
    assert int(limited["Retry-After"]) >= 1


def test_the_rate_limit_is_per_token(admin_user, settings):
    settings.HOOKS_API_RATE_LIMIT = 1
    _, first = token_create(user=admin_user, name="first")
    _, second = token_create(user=admin_user, name="second")
    assert client_with(f"SSWS {first}").get("/api/v1/eventHooks").status_code == 200
    assert client_with(f"SSWS {first}").get("/api/v1/eventHooks").status_code == 429
    assert client_with(f"SSWS {second}").get("/api/v1/eventHooks").status_code == 200


def test_the_rate_limit_is_one_count_shared_by_every_web_process(api, settings):
    """The count lives in the database, not in a process's memory: requests served by
    other gunicorn workers (simulated by adding to the shared row) use the same budget."""
    from hooks.api.throttling import WINDOW_SECONDS, add_requests, forget_old_counters
    from hooks.models import RateCounter

    settings.HOOKS_API_RATE_LIMIT = 3  # a small limit: every request is written at once
    assert api.get("/api/v1/eventHooks").status_code == 200
    [counter] = RateCounter.objects.all()
    assert counter.caller.startswith("token:") and counter.used == 1
    add_requests(counter.caller, counter.minute, 2)  # two requests in another process
    limited = api.get("/api/v1/eventHooks")
    assert limited.status_code == 429
    assert limited["X-Rate-Limit-Remaining"] == "0"
    # A new minute starts again, and the sweeper forgets finished minutes.
    assert add_requests(counter.caller, counter.minute + 1, 1) == 1
    assert forget_old_counters(now=(counter.minute + 2) * WINDOW_SECONDS) == 1
    assert not RateCounter.objects.exists()


def test_a_large_limit_is_written_to_the_shared_count_every_1_percent(api, settings):
    from hooks.models import RateCounter

    settings.HOOKS_API_RATE_LIMIT = 1000  # written every 10 requests
    remaining = [int(api.get("/api/v1/eventHooks")["X-Rate-Limit-Remaining"]) for _ in range(9)]
    assert remaining == list(range(999, 990, -1))
    assert not RateCounter.objects.exists()  # nine requests: nothing written yet
    api.get("/api/v1/eventHooks")
    [counter] = RateCounter.objects.all()
    assert counter.used == 10
    # Another process's 500 requests show from this process's next write on.
    RateCounter.objects.filter(pk=counter.pk).update(used=510)
    for _ in range(10):
        last = api.get("/api/v1/eventHooks")
    assert int(last["X-Rate-Limit-Remaining"]) == 1000 - 520
