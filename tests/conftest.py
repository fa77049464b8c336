"""Shared fixtures: users, API tokens, API clients, a valid hook body and the hook factories.

Hooks, by how much of the path a test needs:
- `make_hook(**overrides)`: through the service layer (hook_create, as the console does),
  ACTIVE and UNVERIFIED, or VERIFIED without a challenge with `verified=True`;
- `verified_hook`: `make_hook(verified=True)`, pointing nowhere reachable;
- `create_hook(**changes)`: through the API (POST /api/v1/eventHooks), returns its JSON;
- `active_verified_hook`: through the API at the `receiver`, verified by a real challenge.
"""

from __future__ import annotations

import copy

import pytest
from rest_framework.test import APIClient

from hooks.access.tokens import token_create
from hooks.eventhooks.services import Actor, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.models import EventHook

VALID_BODY = {
    "name": "Sales sync",
    "description": "Tells the sales system about new users",
    "events": {
        "type": "EVENT_TYPE",
        "items": ["user.lifecycle.create", "group.user_membership.add"],
    },
    "channel": {
        "type": "HTTP",
        "version": "1.0.0",
        "config": {
            "uri": "https://receiver.example.com/okta/hooks",
            "headers": [{"key": "X-Other-Header", "value": "some-other-value"}],
            "authScheme": {
                "type": "HEADER",
                "key": "Authorization",
                "value": "Bearer s3cr3t-V4LUE",
            },
        },
    },
}
SECRET = "Bearer s3cr3t-V4LUE"
HOOK_URI = "https://receiver.example.com/okta"
HOOK_SPEC = {
    "name": "Sales sync",
    "uri": HOOK_URI,
    "event_types": ["user.lifecycle.create", "group.user_membership.add"],
    "auth_key": "Authorization",
    "auth_value": SECRET,
}


@pytest.fixture
def hook_body():
    """A fresh copy of a valid create body (the secret is SECRET)."""
    return copy.deepcopy(VALID_BODY)


@pytest.fixture
def api_token(admin_user) -> str:
    """An API token owned by the super admin `admin`."""
    _, token = token_create(user=admin_user, name="tests")
    return token


@pytest.fixture
def api(api_token) -> APIClient:
    """An API client authenticated the way okta 3.x does it: `SSWS<token>`, no space."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"SSWS {api_token}")
    return client


@pytest.fixture
def staff_user(django_user_model):
    """A staff member who is not a super admin."""
    return django_user_model.objects.create_user(
        username="staff", password="staff-pass-123", is_staff=True, email="staff@example.com"
    )


@pytest.fixture
def make_hook(admin_user):
    """Create a hook through the service layer, as `admin` (unless `actor` is given); return
    the EventHook. Overrides are HookSpec fields over HOOK_SPEC; `verified=True` marks it
    VERIFIED in the database, without a challenge. Its secret is `hook.signing_secret`."""

    def make(*, verified: bool = False, actor: Actor | None = None, **overrides) -> EventHook:
        spec = HookSpec(**{**HOOK_SPEC, **overrides})
        hook, _ = hook_create(spec=spec, actor=actor or Actor(user=admin_user))
        if verified:
            EventHook.objects.filter(pk=hook.pk).update(
                verification_status=EventHook.Verification.VERIFIED
            )
            hook.refresh_from_db()
        return hook

    return make


@pytest.fixture
def verified_hook(make_hook) -> EventHook:
    """An ACTIVE hook marked VERIFIED (no challenge) at HOOK_URI, which never resolves."""
    return make_hook(verified=True)


@pytest.fixture
def create_hook(api, hook_body):
    """Create a hook through the API and return its JSON: `create_hook(**changes)` changes
    top-level body fields; `uri=` sets the channel's address."""

    def create(*, uri: str | None = None, **changes):
        body = copy.deepcopy(hook_body)
        body.update(changes)
        if uri is not None:
            body["channel"]["config"]["uri"] = uri
        response = api.post("/api/v1/eventHooks", body, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    return create


@pytest.fixture
def active_verified_hook(api, create_hook, receiver) -> dict:
    """A hook at the real `receiver`, created and verified through the API: its JSON after
    the verification, with the `signingSecret` shown at creation."""
    created = create_hook(uri=receiver.url)
    verified = api.post(f"/api/v1/eventHooks/{created['id']}/lifecycle/verify")
    assert verified.status_code == 200, verified.content
    assert verified.json()["verificationStatus"] == "VERIFIED"
    return {**verified.json(), "signingSecret": created["signingSecret"]}


def pytest_collection_modifyitems(items):
    """A test that starts pytest-django's live_server (itself or through a fixture) is marked
    `live_server`, so `make test-fast` leaves it out without a marker to forget."""
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.live_server)


@pytest.fixture(autouse=True)
def tasks_run_inline(request, settings):
    """Unit tests run django-q2 tasks synchronously; integration tests use a real cluster."""
    if request.node.get_closest_marker("integration") is None:
        settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    yield


@pytest.fixture
def receiver():
    """A real HTTP receiver on 127.0.0.1 that answers verification and records deliveries."""
    from hooks.receiver.receiver import Receiver

    with Receiver() as server:
        yield server


LOCAL_NAMES = {"localhost", "testserver", "127.0.0.1", "::1", "ip6-localhost"}


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    """The API rate limit keeps a little per-process state next to its rows (which each
    test's database starts without): start every test from none."""
    from hooks.api import throttling

    throttling._pending.clear()
    yield


@pytest.fixture(autouse=True)
def no_dns_beyond_this_machine(monkeypatch):
    """Tests never resolve outside names: a hook at https://receiver.example.com stays local."""
    import ipaddress
    import socket

    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name.lower() in LOCAL_NAMES:
            return real_getaddrinfo(host, *args, **kwargs)
        if _is_numeric_address(name):
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"{name}: not resolved in tests")

    def _is_numeric_address(name: str) -> bool:
        """Literal addresses, including forms like 2130706433 that need no DNS."""
        try:
            ipaddress.ip_address(name.strip("[]"))
            return True
        except ValueError:
            pass
        try:
            socket.inet_aton(name)
            return True
        except OSError:
            return False

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield
