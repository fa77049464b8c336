"""hooks.outbound.transport against a real Receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time

import pytest

from hooks.outbound import errors as transport_errors
from hooks.outbound import transport, wire
from hooks.receiver.receiver import Receiver
from tests.trickling_server import TricklingServer

FAKE_DNS = {"hooks.test": "127.0.0.1"}


@pytest.fixture(autouse=True)
def loopback_only(settings, monkeypatch):
    """Allow the local receiver, answer hooks.test locally, and never send a DNS query."""
    settings.HOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HOOKS_DELIVERY_TIMEOUT = 3.0
    settings.HOOKS_USER_AGENT = "Okta-Integrations"
    settings.HOOKS_RESPONSE_EXCERPT_BYTES = 4096
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host in FAKE_DNS:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (FAKE_DNS[host], port))]
        return real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield
    transport.close_pools()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("status", "ok"), [(200, True), (204, True), (404, False), (503, False)])
def test_it_returns_the_status_code_whatever_it_is(receiver, status, ok):
    receiver.set_behaviour(status=status)

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert (result.status_code, result.ok, result.error) == (status, ok, "")
    assert result.blocked is False
    assert result.duration_ms > 0


def test_it_posts_the_exact_body_with_the_callers_headers(receiver):
    body = b'{"eventType": "com.okta.event_hook", "data": {"events": []}}'

    transport.send(
        url=receiver.url + "?a=1", body=body, headers={"Content-Type": "application/json"}
    )

    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == ("POST", "/hook?a=1", body)
    assert request.headers["content-type"] == "application/json"


def test_it_adds_the_configured_user_agent_and_the_host_header(receiver, settings):
    settings.HOOKS_USER_AGENT = "Okta-Integrations-Test"

    transport.send(url=receiver.url, body=b"{}", headers={})

    headers = receiver.requests[0].headers
    assert headers["User-Agent"] == "Okta-Integrations-Test"
    assert headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_it_keeps_a_user_agent_the_caller_passed_and_ignores_a_callers_host(receiver):
    transport.send(
        url=receiver.url, body=b"{}", headers={"user-agent": "custom/1.0", "Host": "evil.test"}
    )

    headers = receiver.requests[0].headers
    assert headers["User-Agent"] == "custom/1.0"
    assert headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_it_connects_to_the_checked_ip_and_names_the_url_host(receiver):
    result = transport.send(url=f"http://hooks.test:{receiver.port}/hook", body=b"{}", headers={})

    assert result.status_code == 200
    assert receiver.requests[0].headers["Host"] == f"hooks.test:{receiver.port}"


def test_it_reaches_an_ipv6_loopback_receiver_with_a_bracketed_host(settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["::1/128"]
    with Receiver(host="::1") as receiver:
        result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert result.status_code == 200
    assert receiver.requests[0].headers["Host"] == f"[::1]:{receiver.port}"


def test_get_sends_a_get_with_the_same_rules(receiver):
    result = transport.get(url=receiver.url, headers={"X-Okta-Verification-Challenge": "abc"})

    assert result.status_code == 200
    assert result.response_excerpt == '{"verification": "abc"}'
    assert receiver.verifications[0].headers["User-Agent"] == "Okta-Integrations"


def test_it_times_out_on_a_slow_receiver(receiver):
    receiver.set_behaviour(delay=2.0)
    started = time.monotonic()

    result = transport.send(url=receiver.url, body=b"{}", headers={}, timeout=0.3)

    assert time.monotonic() - started < 1.0
    assert result.status_code is None
    assert result.error == "Connection timed out after 0.3 s"
    assert 250 < result.duration_ms < 1000


def test_the_default_timeout_is_read_from_settings_when_called(receiver, settings):
    settings.HOOKS_DELIVERY_TIMEOUT = 0.2
    receiver.set_behaviour(delay=2.0)

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert result.error == "Connection timed out after 0.2 s"


def test_a_closed_port_is_reported_as_connection_refused():
    result = transport.send(url=f"http://127.0.0.1:{free_port()}/hook", body=b"{}", headers={})

    assert (result.status_code, result.error, result.blocked) == (None, "Connection refused", False)


def test_a_connection_closed_without_a_response_is_reported(receiver):
    receiver.set_behaviour(close_connection_without_response=True)

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert (result.status_code, result.error) == (None, "Connection closed without a response")
    assert len(receiver.requests) == 1  # A fresh connection is never retried.


def test_a_reused_keep_alive_connection_that_closes_is_retried_once_on_a_new_one(receiver):
    transport.send(url=receiver.url, body=b"{}", headers={})
    receiver.set_behaviour(close_connection_without_response=True)

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert result.error == "Connection closed without a response"
    assert len(receiver.requests) == 3


def test_keep_alive_connections_are_reused_across_sends(receiver):
    receiver.set_behaviour(body=b'{"ok": true}')
    for _ in range(5):
        assert transport.send(url=receiver.url, body=b"{}", headers={}).ok

    (pool,) = transport._pools.values()
    assert pool.num_connections == 1


def test_a_redirect_is_returned_not_followed(receiver):
    receiver.set_behaviour(status=302, headers={"Location": receiver.url})

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert result.status_code == 302
    assert result.response_headers["Location"] == receiver.url
    assert result.ok is False
    assert len(receiver.requests) == 1


def test_the_response_excerpt_is_bounded_and_the_next_request_still_works(receiver, settings):
    settings.HOOKS_RESPONSE_EXCERPT_BYTES = 100
    receiver.set_behaviour(body=b"x" * 2_000_000)

    big = transport.send(url=receiver.url, body=b"{}", headers={})
    receiver.set_behaviour(body=b"small")
    small = transport.send(url=receiver.url, body=b"{}", headers={})

    assert big.response_excerpt == "x" * 100
    assert big.response_headers["Content-Length"] == "2000000"
    assert (small.status_code, small.response_excerpt) == (200, "small")


def test_a_body_that_is_not_utf8_is_decoded_with_replacement(receiver):
    receiver.set_behaviour(status=500, body=b"bad \xff\xfe bytes")

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert result.response_excerpt == "bad \ufffd\ufffd bytes"


def test_retry_after_in_seconds_is_parsed_from_the_response(receiver):
    receiver.set_behaviour(status=429, headers={"Retry-After": "120"})

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert (result.status_code, result.retry_after) == (429, 120.0)


def test_retry_after_as_an_http_date_becomes_seconds_from_now(receiver):
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)
    receiver.set_behaviour(
        status=503, headers={"Retry-After": when.strftime("%a, %d %b %Y %H:%M:%S GMT")}
    )

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert 80 <= result.retry_after <= 90


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        (" 30 ", 30.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),
        ("Wed, 21 Oct 2015 07:26:00 GMT", 0.0),  # A past date means "now".
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after_accepts_delta_seconds_and_http_dates(value, seconds):
    now = dt.datetime(2015, 10, 21, 7, 27, tzinfo=dt.UTC)

    assert wire.parse_retry_after(value, now=now) == seconds


def test_a_header_with_a_line_break_is_refused_without_raising(receiver):
    result = transport.send(url=receiver.url, body=b"{}", headers={"X-Evil": "a\r\nHost: b"})

    assert result.status_code is None
    assert "line breaks" in result.error
    assert receiver.requests == []


@pytest.mark.parametrize(
    "headers",
    [{"X-Price": "10 \u20ac"}, {"X-Bell": "a\x07b"}, {"X-Del": "a\x7fb"}, {"X-Caf\u00e9": "v"}],
    ids=["euro-sign", "bell", "delete", "non-ascii-name"],
)
def test_a_header_http_cannot_carry_is_refused_quickly_without_raising(receiver, headers):
    started = time.monotonic()

    result = transport.send(url=receiver.url, body=b"{}", headers=headers)

    assert time.monotonic() - started < 1.0
    assert result.status_code is None
    assert result.error.startswith("Invalid header")
    assert receiver.requests == []


@pytest.mark.parametrize("method", ["send", "get"])
def test_an_unexpected_failure_inside_the_request_is_returned_not_raised(
    receiver, monkeypatch, method
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(transport, "_pool_for", broken)
    if method == "send":
        result = transport.send(url=receiver.url, body=b"{}", headers={})
    else:
        result = transport.get(url=receiver.url, headers={})

    assert (result.status_code, result.error) == (None, "Request failed: RuntimeError: boom")
    assert result.blocked is False


# --- the whole-request deadline: receivers that trickle --------------------------------

DEADLINE = 1.0
MARGIN = 0.6  # scheduling slack on a shared 2-core machine
TRICKLING_HEADERS = {
    "head": b"HTTP/1.1 200 OK\r\n",
    "trickle": b"X-Slow: " + b"a" * 400 + b"\r\nContent-Length: 0\r\n\r\n",
}
TRICKLING_BODY = {
    "head": b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n",
    "trickle": b"x" * 400,
}


@pytest.mark.slow  # waits out a 1 s deadline
@pytest.mark.parametrize("answer", [TRICKLING_HEADERS, TRICKLING_BODY], ids=["headers", "body"])
@pytest.mark.parametrize("method", ["send", "get"])
def test_a_trickling_receiver_is_cut_at_the_deadline_as_a_timeout(settings, answer, method):
    settings.HOOKS_DELIVERY_TIMEOUT = DEADLINE
    with TricklingServer(**answer) as server:
        started = time.monotonic()
        if method == "send":
            result = transport.send(url=server.url, body=b"{}", headers={})
        else:
            result = transport.get(url=server.url, headers={})
        elapsed = time.monotonic() - started

    assert server.requests == 1
    assert elapsed < DEADLINE + MARGIN
    assert (result.status_code, result.error) == (None, f"{transport_errors.TIMED_OUT} after 1 s")
    assert result.ok is False and result.blocked is False


@pytest.mark.slow  # waits out a 1 s deadline
def test_a_fast_receiver_after_a_cut_connection_is_answered_normally(receiver, settings):
    settings.HOOKS_DELIVERY_TIMEOUT = DEADLINE
    with TricklingServer(**TRICKLING_BODY) as server:
        assert transport.send(url=server.url, body=b"{}", headers={}).error

    result = transport.send(url=receiver.url, body=b"{}", headers={})

    assert (result.status_code, result.error) == (200, "")


# --- https: a throwaway CA and a certificate for hooks.test --------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)

    def build(subject, issuer, key, signing_key, *, ca, names=()):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = build("hooks.test", "Test CA", leaf_key, ca_key, ca=False, names=["hooks.test"])
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (directory / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return directory


@pytest.fixture
def tls_receiver(tls_files, monkeypatch):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files / "leaf.pem", tls_files / "leaf.key")
    monkeypatch.setattr(transport, "_ca_bundle", lambda: str(tls_files / "ca.pem"))
    with Receiver(ssl_context=context) as running:
        yield running


def test_https_connects_to_the_checked_ip_with_sni_and_certificate_checks(tls_receiver):
    result = transport.send(
        url=f"https://hooks.test:{tls_receiver.port}/hook", body=b"{}", headers={}
    )

    assert (result.status_code, result.error) == (200, "")
    assert tls_receiver.requests[0].headers["Host"] == f"hooks.test:{tls_receiver.port}"


def test_a_certificate_for_another_name_fails_the_tls_handshake(tls_receiver):
    result = transport.send(
        url=f"https://127.0.0.1:{tls_receiver.port}/hook", body=b"{}", headers={}
    )

    assert result.status_code is None
    assert result.error.startswith("TLS handshake failed: ")
    assert "127.0.0.1" in result.error
    assert tls_receiver.requests == []


@pytest.mark.slow  # waits out a 1 s deadline
def test_an_https_receiver_trickling_its_body_is_cut_at_the_deadline(tls_files, monkeypatch):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files / "leaf.pem", tls_files / "leaf.key")
    monkeypatch.setattr(transport, "_ca_bundle", lambda: str(tls_files / "ca.pem"))
    with TricklingServer(**TRICKLING_BODY, ssl_context=context) as server:
        started = time.monotonic()
        result = transport.send(
            url=f"https://hooks.test:{server.port}/hook", body=b"{}", headers={}, timeout=DEADLINE
        )
        elapsed = time.monotonic() - started

    assert elapsed < DEADLINE + MARGIN
    assert (result.status_code, result.error) == (None, f"{transport_errors.TIMED_OUT} after 1 s")


@pytest.mark.slow  # waits out a 1 s deadline
def test_a_resolver_that_hangs_is_cut_at_the_deadline(monkeypatch):
    """DNS is part of the exchange: a slow resolver must not hold a worker past the deadline."""
    real_getaddrinfo = socket.getaddrinfo
    release = threading.Event()

    def slow_getaddrinfo(host, *args, **kwargs):
        if kwargs.get("flags", 0) & socket.AI_NUMERICHOST:
            return real_getaddrinfo(host, *args, **kwargs)
        release.wait(10)  # a resolver that answers after 10 s
        return real_getaddrinfo("127.0.0.1", *args[:1])

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    started = time.perf_counter()
    try:
        result = transport.send(
            url="https://slow-dns.example.com/hook", body=b"{}", headers={}, timeout=1
        )
    finally:
        release.set()
    elapsed = time.perf_counter() - started
    assert elapsed < 1.6
    assert result.status_code is None
    assert result.error == "Could not resolve host slow-dns.example.com: timed out after 1 s"
