"""The client's address behind reverse proxies (HOOKS_TRUSTED_PROXIES).

The sign-in throttle counts failures per client address and the System Log records it.
Behind a proxy REMOTE_ADDR is the proxy's: every client would share one count. With the
proxy's network trusted, the address is read from X-Forwarded-For, right to left, and the
first address that is not a trusted proxy is the client. Anything to its left was sent by
the client and is never believed; without a trusted proxy the header is ignored.
"""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import Client, RequestFactory

from hooks.models import Event

pytestmark = pytest.mark.django_db

PROXIES = ["10.0.0.0/24", "fd00::/64"]


@pytest.fixture
def address_of():
    """client_address(request) of a request with these META values."""
    from hooks.lib.client_address import client_address

    def address(remote: str | None = "10.0.0.1", forwarded: str | None = None) -> str | None:
        request = RequestFactory().get("/")
        if remote is None:
            del request.META["REMOTE_ADDR"]
        else:
            request.META["REMOTE_ADDR"] = remote
        if forwarded is not None:
            request.META["HTTP_X_FORWARDED_FOR"] = forwarded
        return client_address(request)

    return address


@pytest.fixture
def behind_proxies(settings):
    settings.HOOKS_TRUSTED_PROXIES = PROXIES
    return settings


def test_without_trusted_proxies_the_header_is_ignored(address_of, settings):
    settings.HOOKS_TRUSTED_PROXIES = []
    assert address_of("203.0.113.5", "198.51.100.1") == "203.0.113.5"
    assert address_of("10.0.0.1", "198.51.100.1") == "10.0.0.1"


def test_a_client_that_is_not_a_trusted_proxy_cannot_name_another_address(
    address_of, behind_proxies
):
    assert address_of("203.0.113.5", "198.51.100.1") == "203.0.113.5"
    assert address_of("203.0.113.5", "10.0.0.7") == "203.0.113.5"


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(address_of, behind_proxies):
    assert address_of("10.0.0.1", "198.51.100.1") == "198.51.100.1"
    assert address_of("10.0.0.1", "  198.51.100.1  ") == "198.51.100.1"
    assert address_of("fd00::1", "2001:db8::7") == "2001:db8::7"


def test_what_the_client_wrote_left_of_its_own_address_is_not_believed(address_of, behind_proxies):
    # The client sent "X-Forwarded-For: 1.1.1.1, 10.0.0.9"; the proxy appended the real one.
    assert address_of("10.0.0.1", "1.1.1.1, 10.0.0.9, 198.51.100.1") == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(address_of, behind_proxies):
    assert address_of("10.0.0.1", "198.51.100.1, 10.0.0.3, 10.0.0.2") == "198.51.100.1"
    # Several headers arrive joined by commas.
    assert address_of("10.0.0.1", "198.51.100.1,10.0.0.3,fd00::2") == "198.51.100.1"
    # Every hop a trusted proxy: the farthest one is the client (a request made on a proxy).
    assert address_of("10.0.0.1", "10.0.0.3, 10.0.0.2") == "10.0.0.3"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("", "10.0.0.1"),
        (" , ,", "10.0.0.1"),
        ("unknown", "10.0.0.1"),
        ("198.51.100.1, not-an-address", "10.0.0.1"),  # garbage from a trusted hop: stop there
        ("198.51.100.1, 10.0.0.2, 999.1.1.1", "10.0.0.1"),
        ("not-an-address, 198.51.100.1", "198.51.100.1"),  # the client's own garbage: ignored
        pytest.param("198.51.100.1\x00", "10.0.0.1", id="NUL"),
        pytest.param("0" * 10_000, "10.0.0.1", id="10,000 zeros"),
        ("198.51.100.1:4711", "198.51.100.1"),  # some proxies append the port
        ("[2001:db8::7]:4711", "2001:db8::7"),
        ("[2001:db8::7]", "2001:db8::7"),
        ("::ffff:198.51.100.1", "198.51.100.1"),  # one address, one spelling
        ("2001:DB8:0:0::7", "2001:db8::7"),
    ],
)
def test_malformed_forwarded_values_never_become_the_address(
    address_of, behind_proxies, forwarded, expected
):
    assert address_of("10.0.0.1", forwarded) == expected


def test_a_request_without_an_address(address_of, behind_proxies):
    assert address_of(None, "198.51.100.1") is None


def test_a_malformed_trusted_proxies_setting_stops_startup(settings):
    def errors() -> list[checks.CheckMessage]:
        return [e for e in checks.run_checks() if e.id == "hooks.E004"]

    settings.HOOKS_TRUSTED_PROXIES = PROXIES
    assert errors() == []
    for bad in (["10.0.0.0/33"], ["10.0.0.1/24"], ["proxy.example.com"], ["10.0.0.0/24", ""]):
        settings.HOOKS_TRUSTED_PROXIES = bad
        [error] = errors()
        assert error.is_serious() and "HOOKS_TRUSTED_PROXIES" in error.msg


def trusting_everyone_warnings() -> list[checks.CheckMessage]:
    return [e for e in checks.run_checks() if e.id == "hooks.W005"]


@pytest.mark.parametrize(
    "networks",
    [["0.0.0.0/0"], ["::/0"], ["10.0.0.0/24", "0.0.0.0/1"], ["2000::/3"], ["10.0.0.0/7"]],
)
def test_trusting_a_network_wider_than_any_proxy_fleet_is_a_warning(settings, networks):
    """Every host of a trusted network may name the client's address: trusting the internet
    lets any client pick its own (a fresh sign-in throttle count for each guess)."""
    settings.HOOKS_TRUSTED_PROXIES = networks
    [warning] = trusting_everyone_warnings()
    assert warning.level == checks.WARNING and not warning.is_serious()
    wide = next(n for n in networks if n not in ("10.0.0.0/24",))
    assert wide in warning.msg and "X-Forwarded-For" in warning.msg


@pytest.mark.parametrize(
    "networks",
    [[], PROXIES, ["10.0.0.0/8"], ["100.64.0.0/10", "fc00::/7"], ["104.16.0.0/13"], ["2400::/16"]],
)
def test_proxy_networks_of_usual_sizes_are_not_warned_about(settings, networks):
    """Up to a /8 (IPv4) or a /16 (IPv6): private ranges and a CDN's published ranges; and
    IPv6's private ranges, wider than that but never routed on the internet."""
    settings.HOOKS_TRUSTED_PROXIES = networks
    assert trusting_everyone_warnings() == []


# --- the two users of the address --------------------------------------------------------
def fail_sign_in(client: Client, remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return client.post(
        "/accounts/login/",
        {"username": "nobody", "password": "wrong"},
        REMOTE_ADDR=remote,
        **extra,
    )


def throttled(response) -> bool:
    return "from your address" in response.content.decode()


@pytest.fixture
def low_limit(settings):
    settings.HOOKS_LOGIN_FAILURES_PER_ADDRESS = 3
    settings.HOOKS_LOGIN_FAILURES_PER_USERNAME = 100
    return settings


def test_behind_a_proxy_one_client_is_throttled_and_another_is_not(behind_proxies, low_limit):
    client = Client()
    for _ in range(3):
        fail_sign_in(client, "10.0.0.1", "198.51.100.1")
    assert throttled(fail_sign_in(client, "10.0.0.1", "198.51.100.1"))
    assert not throttled(fail_sign_in(client, "10.0.0.1", "198.51.100.2"))


def test_a_forged_header_does_not_escape_the_throttle(settings, low_limit):
    settings.HOOKS_TRUSTED_PROXIES = []
    client = Client()
    for number in range(3):
        fail_sign_in(client, "203.0.113.5", f"198.51.100.{number}")
    assert throttled(fail_sign_in(client, "203.0.113.5", "198.51.100.99"))


def test_the_system_log_records_the_forwarded_client(behind_proxies):
    fail_sign_in(Client(), "10.0.0.1", "1.1.1.1, 198.51.100.1")
    fail_sign_in(Client(), "203.0.113.5", "198.51.100.1")
    recorded = [
        event.data["client"]["ipAddress"]
        for event in Event.objects.filter(event_type="user.session.start").order_by("id")
    ]
    assert recorded == ["198.51.100.1", "203.0.113.5"]
