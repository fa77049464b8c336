"""The SSRF guard: which destinations are refused, and that refusals never open a socket."""

from __future__ import annotations

import socket

import pytest
import urllib3

from hooks.outbound import ssrf, transport

PUBLIC_IP = "93.184.216.34"  # Only ever resolved in these tests, never connected to.
FAKE_DNS = {
    "localhost": ["127.0.0.1"],
    "public.test": [PUBLIC_IP],
    "mixed.test": [PUBLIC_IP, "10.0.0.5"],
    "two.test": ["127.0.0.2", "127.0.0.3"],
    "metadata.test": ["169.254.169.254"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    """Answer names from FAKE_DNS so no test sends a DNS query; record non-literal lookups."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        try:
            return real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        except socket.gaierror:
            if flags & socket.AI_NUMERICHOST:
                raise
        lookups.append(host)
        if host not in FAKE_DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in FAKE_DNS[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything opens a socket connection or an HTTP pool."""

    def refuse(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib3.HTTPConnectionPool, "__init__", refuse)
    monkeypatch.setattr(transport, "_pool_for", refuse)


@pytest.fixture
def nothing_allowed(settings):
    settings.HOOKS_ALLOWED_NETWORKS = []


REFUSED_DESTINATIONS = [
    ("https://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("https://localhost/hook", "localhost resolves to 127.0.0.1, which is a loopback address"),
    ("https://10.0.0.1/hook", "10.0.0.1 is a private address"),
    ("https://192.168.1.1/hook", "192.168.1.1 is a private address"),
    ("https://172.16.0.1/hook", "172.16.0.1 is a private address"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("https://metadata.test/", "metadata.test resolves to 169.254.169.254"),
    ("https://100.64.0.1/hook", "100.64.0.1 is a shared (carrier-grade NAT) address"),
    ("https://[::1]/hook", "::1 is a loopback address"),
    ("https://[::ffff:127.0.0.1]/hook", "resolves to 127.0.0.1, which is a loopback address"),
    ("https://[fe80::1]/hook", "fe80::1 is a link-local address"),
    ("https://[fc00::1]/hook", "fc00::1 is a private address"),
    ("https://[2002:7f00:1::]/hook", "an IPv6 wrapper of 127.0.0.1, a loopback address"),
    ("https://[64:ff9b::a00:1]/hook", "an IPv6 wrapper of 10.0.0.1, a private address"),
    ("https://0.0.0.0/hook", "0.0.0.0 is an unspecified address"),
    ("https://224.0.0.1/hook", "224.0.0.1 is a multicast address"),
    ("https://240.0.0.1/hook", "240.0.0.1 is a reserved address"),
    ("https://2130706433/hook", "2130706433 resolves to 127.0.0.1, which is a loopback"),
    ("https://0177.0.0.1/hook", "0177.0.0.1 resolves to 127.0.0.1, which is a loopback"),
    ("http://2130706433/", ssrf.HTTP_ONLY_ALLOWED),
    ("http://127.0.0.1:8765/hook", ssrf.HTTP_ONLY_ALLOWED),
    ("https://mixed.test/hook", "mixed.test resolves to 10.0.0.5, which is a private address"),
    ("ftp://public.test/hook", "ftp:// is not allowed; use https://"),
    ("https://user:secret@public.test/", "URLs with a user name or password are not allowed"),
]


@pytest.mark.usefixtures("nothing_allowed", "no_connections")
@pytest.mark.parametrize(("url", "reason"), REFUSED_DESTINATIONS)
def test_it_refuses_non_public_destinations_before_connecting(url, reason):
    result = transport.send(url=url, body=b"{}", headers={})

    assert result.blocked is True
    assert result.status_code is None
    assert result.error.startswith("Destination refused: ")
    assert reason in result.error


@pytest.mark.usefixtures("nothing_allowed")
@pytest.mark.parametrize(("url", "reason"), REFUSED_DESTINATIONS)
def test_resolve_destination_raises_destination_blocked_with_the_sentence(url, reason):
    with pytest.raises(ssrf.DestinationBlocked) as info:
        ssrf.resolve_destination(url)
    assert reason in str(info.value)


@pytest.mark.usefixtures("nothing_allowed", "no_connections")
def test_http_to_a_public_address_is_refused_because_https_is_required():
    result = transport.send(url="http://public.test/hook", body=b"{}", headers={})

    assert result.blocked
    assert result.error == f"Destination refused: {ssrf.HTTP_ONLY_ALLOWED}"


@pytest.mark.usefixtures("nothing_allowed", "no_connections")
def test_an_unresolvable_name_is_a_dns_failure_not_a_block():
    result = transport.send(url="https://nowhere.invalid/hook", body=b"{}", headers={})

    assert result.blocked is False
    assert result.error == "Could not resolve host nowhere.invalid"
    with pytest.raises(ssrf.UnresolvableHost):
        ssrf.resolve_destination("https://nowhere.invalid/hook")


@pytest.mark.usefixtures("nothing_allowed")
def test_a_public_https_destination_is_resolved_to_its_checked_address():
    destination = ssrf.resolve_destination("https://PUBLIC.test:8443/a/b?c=1#frag")

    assert destination == ssrf.Destination(
        scheme="https", hostname="public.test", port=8443, ip=PUBLIC_IP, path_and_query="/a/b?c=1"
    )
    assert destination.host_header == "public.test:8443"


def test_listed_networks_are_allowed_for_https_and_http(settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["10.0.0.0/8", "127.0.0.0/8", "::1/128"]

    assert ssrf.resolve_destination("https://10.1.2.3/hook").ip == "10.1.2.3"
    assert ssrf.resolve_destination("http://127.0.0.1:8765/hook").port == 8765
    assert ssrf.resolve_destination("http://[::1]:8765/hook").host_header == "[::1]:8765"
    assert ssrf.resolve_destination("http://[::ffff:127.0.0.1]/").ip == "127.0.0.1"


def test_every_resolved_address_must_pass_and_the_first_is_used(settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    assert ssrf.resolve_destination("http://two.test/").ip == "127.0.0.2"
    with pytest.raises(ssrf.DestinationBlocked, match="10.0.0.5"):
        ssrf.resolve_destination("https://mixed.test/")


def test_allowed_networks_are_read_from_settings_on_each_call(settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert [str(n) for n in ssrf.allowed_networks()] == ["10.0.0.0/8"]

    settings.HOOKS_ALLOWED_NETWORKS = ["192.168.0.1/16", "::1/128"]
    assert [str(n) for n in ssrf.allowed_networks()] == ["192.168.0.0/16", "::1/128"]


@pytest.mark.usefixtures("nothing_allowed")
@pytest.mark.parametrize(
    ("uri", "error"),
    [
        ("", "The URI is required."),
        ("https://" + "a" * 1020 + ".com", "The URI must be at most 1024 characters."),
        ("https://exa mple.com/", "The URI must not contain whitespace or control characters."),
        ("https://example.com/\x00", "The URI must not contain whitespace or control characters."),
        ("ftp://example.com/", "The URI must start with https://."),
        ("example.com/hook", "The URI must start with https://."),
        ("https:///hook", "The URI must include a host."),
        ("https://u:p@example.com/", "The URI must not contain a user name or password."),
        ("https://example.com:99999/", "The URI is not a valid URL."),
        ("https://10.0.0.1/hook", "10.0.0.1 is a private address."),
        ("http://public.test/hook", ssrf.HTTP_ONLY_ALLOWED + "."),
    ],
)
def test_validate_uri_syntax_explains_what_is_wrong(uri, error):
    assert ssrf.validate_uri_syntax(uri) == error


@pytest.mark.usefixtures("nothing_allowed")
def test_validate_uri_syntax_accepts_https_names_without_a_dns_lookup(fake_dns):
    assert ssrf.validate_uri_syntax("https://hooks.example.com/okta?x=1") is None
    assert fake_dns == []


def test_validate_uri_syntax_resolves_http_names_against_allowed_networks(settings, fake_dns):
    settings.HOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    assert ssrf.validate_uri_syntax("http://localhost:8765/hook") is None
    assert fake_dns == ["localhost"]
    assert ssrf.validate_uri_syntax("http://nowhere.invalid/") == (
        f"Could not resolve host nowhere.invalid; {ssrf.HTTP_ONLY_ALLOWED}."
    )


@pytest.mark.usefixtures("no_connections")
def test_the_no_connection_guard_itself_catches_a_real_attempt(settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    # The transport returns every failure as a result, the guard's assertion included.
    result = transport.send(url="http://127.0.0.1:19999/", body=b"", headers={})

    assert result.error == "Request failed: AssertionError: a connection was attempted"
    assert result.blocked is False


# --- the port policy: 80, 443 and unprivileged ports unless HOOKS_ALLOWED_PORTS says else ---

PORT_NOT_ALLOWED = "port {} is not allowed; allowed ports are 80, 443, 1024-65535"


@pytest.mark.usefixtures("nothing_allowed", "no_connections")
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://public.test:22/hook", PORT_NOT_ALLOWED.format(22)),
        ("https://public.test:1023/hook", PORT_NOT_ALLOWED.format(1023)),
        ("https://93.184.216.34:25/hook", PORT_NOT_ALLOWED.format(25)),
        ("https://public.test:0/hook", "port 0 is not a valid port"),
    ],
)
def test_a_port_outside_the_policy_is_refused_before_connecting(url, reason):
    result = transport.send(url=url, body=b"{}", headers={})

    assert result.blocked is True
    assert result.error == f"Destination refused: {reason}"


@pytest.mark.usefixtures("no_connections")
def test_allowed_networks_do_not_bypass_the_port_policy(settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    assert ssrf.resolve_destination("http://127.0.0.1:6379/").port == 6379
    result = transport.send(url="http://127.0.0.1:22/", body=b"", headers={})
    assert (result.blocked, result.error) == (
        True,
        "Destination refused: " + PORT_NOT_ALLOWED.format(22),
    )


@pytest.mark.usefixtures("nothing_allowed")
@pytest.mark.parametrize("port", [80, 443, 1024, 8443, 65535])
def test_the_default_policy_allows_80_443_and_unprivileged_ports(port):
    assert ssrf.resolve_destination(f"https://public.test:{port}/").port == port


@pytest.mark.usefixtures("nothing_allowed")
def test_hooks_allowed_ports_lists_ports_and_ranges_read_on_each_call(settings):
    settings.HOOKS_ALLOWED_PORTS = ["443", "8000-8100"]

    assert ssrf.resolve_destination("https://public.test/").port == 443
    assert ssrf.resolve_destination("https://public.test:8050/").port == 8050
    with pytest.raises(ssrf.DestinationBlocked, match="allowed ports are 443, 8000-8100"):
        ssrf.resolve_destination("https://public.test:8443/")


@pytest.mark.usefixtures("nothing_allowed")
@pytest.mark.parametrize(
    ("uri", "error"),
    [
        (
            "https://example.com:22/hook",
            "Port 22 is not allowed; allowed ports are 80, 443, 1024-65535.",
        ),
        ("https://example.com:0/hook", "Port 0 is not a valid port."),
        ("https://example.com:8443/hook", None),
    ],
)
def test_validate_uri_syntax_applies_the_port_policy_without_dns(uri, error, fake_dns):
    assert ssrf.validate_uri_syntax(uri) == error
    assert fake_dns == []


def test_a_malformed_port_policy_is_a_system_check_error_at_startup(settings):
    """A typo in HOOKS_ALLOWED_PORTS stops `check` (so migrate, qcluster), not the first send."""
    from hooks.checks import outbound_policy_check

    settings.HOOKS_ALLOWED_PORTS = ["443", "80-x"]
    errors = outbound_policy_check(None)
    assert [e.id for e in errors] == ["hooks.E002"]
    assert "80-x" in errors[0].msg

    settings.HOOKS_ALLOWED_PORTS = ["443", "8000-8100"]
    assert outbound_policy_check(None) == []
