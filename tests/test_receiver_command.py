"""`manage.py hooks_receiver`: answers verification, checks auth and signatures, prints events."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

from hooks.management.commands.hooks_receiver import Command
from hooks.outbound import signing, transport
from hooks.receiver.receiver import Receiver

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_command():
    """Start the command in a thread on a free port; stop it and return its output."""
    started: list[tuple[Command, threading.Thread, io.StringIO]] = []

    def start(*args: str) -> Command:
        out = io.StringIO()
        command = Command()
        thread = threading.Thread(
            target=call_command, args=(command, "--port", "0", *args), kwargs={"stdout": out}
        )
        thread.start()
        started.append((command, thread, out))
        assert command.ready.wait(5), "the receiver did not start"
        return command

    def stop() -> list[str]:
        command, thread, out = started.pop()
        command.stop_event.set()
        thread.join(5)
        assert not thread.is_alive()
        return out.getvalue().splitlines()

    start.stop = stop
    yield start
    while started:
        stop()


def delivery(*uuids: str) -> bytes:
    events = [{"uuid": u, "eventType": "user.lifecycle.create"} for u in uuids]
    return json.dumps({"eventType": "com.okta.event_hook", "data": {"events": events}}).encode()


def test_it_answers_verification_and_prints_one_line_per_event(run_command):
    secret = signing.generate_secret()
    command = run_command(
        "--secret", secret, "--auth-header", "Authorization", "--auth-value", "Bearer s3cret"
    )
    url = command.receiver.url
    auth = {"Authorization": "Bearer s3cret"}

    answer = requests.get(
        url, headers={"X-Okta-Verification-Challenge": "abc123", **auth}, timeout=2
    )
    body = delivery("e-1", "e-2")
    signed = signing.signature_headers(secrets=[secret], msg_id="msg_1", body=body)
    good = requests.post(url, data=body, headers={**signed, **auth}, timeout=2)
    forged = {**signed, "webhook-signature": "v1,AAAA"}
    bad = requests.post(
        url, data=delivery("e-3"), headers={**forged, "Authorization": "x"}, timeout=2
    )
    lines = run_command.stop()

    assert answer.status_code == 200
    assert answer.json() == {"verification": "abc123"}
    assert (good.status_code, bad.status_code) == (200, 200)
    assert lines[0] == f"Receiving event hooks at {url}"
    assert any(line.endswith("verification challenge (echo)  auth OK") for line in lines)
    event_lines = [line for line in lines if "user.lifecycle.create" in line]
    assert [line.split()[2:] for line in event_lines] == [
        ["e-1", "signature", "OK", "auth", "OK"],
        ["e-2", "signature", "OK", "auth", "OK"],
        ["e-3", "signature", "BAD", "auth", "BAD"],
    ]
    assert lines[-1] == "Receiver stopped."


def test_it_answers_deliveries_with_the_requested_status(run_command):
    command = run_command("--status", "503")

    response = requests.post(command.receiver.url, data=delivery("e-1"), timeout=2)
    lines = run_command.stop()

    assert response.status_code == 503
    assert any(line.split()[1:] == ["user.lifecycle.create", "e-1"] for line in lines)


def test_it_refuses_to_listen_beyond_loopback():
    with pytest.raises(CommandError, match="loopback"):
        call_command("hooks_receiver", "--host", "0.0.0.0", stdout=io.StringIO())


def test_it_refuses_a_malformed_secret():
    with pytest.raises(CommandError, match="base64"):
        call_command("hooks_receiver", "--secret", "whsec_???", stdout=io.StringIO())


@pytest.mark.slow  # a child Python process
def test_it_stops_cleanly_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "manage.py", "hooks_receiver", "--port", "0"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hooksite.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("Receiving event hooks at http://127.0.0.1:"), (
            first + process.stderr.read()
        )
        url = first.split(" at ")[1].strip()
        assert requests.post(url, data=delivery("e-9"), timeout=2).status_code == 200

        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0
    assert "e-9" in out
    assert out.rstrip().endswith("Receiver stopped.")


# --- the Receiver behind the command ---------------------------------------------------------


def test_the_receiver_collects_events_in_arrival_order_and_waits_for_them():
    with Receiver() as receiver, requests.Session() as session:
        session.post(receiver.url, data=delivery("a", "b"), timeout=2)
        session.post(receiver.url, data=delivery("c"), timeout=2)
        session.post(receiver.url, data=b"not json", timeout=2)

        events = receiver.wait_for_events(3, timeout=2)
        with pytest.raises(TimeoutError, match="Received 3 of 4 events within 0.1 s"):
            receiver.wait_for_events(4, timeout=0.1)

    assert [e["uuid"] for e in events] == ["a", "b", "c"]
    assert [r.json is None for r in receiver.requests] == [False, False, True]


def test_a_status_list_is_used_one_per_post_then_repeats_its_last_value():
    with Receiver() as receiver:
        receiver.set_behaviour(status=[500, 429, 200])
        codes = [requests.post(receiver.url, data=b"{}", timeout=2).status_code for _ in range(5)]

    assert codes == [500, 429, 200, 200, 200]


def test_a_status_callable_sees_the_request():
    with Receiver() as receiver:
        receiver.set_behaviour(status=lambda request: 410 if b"gone" in request.body else 204)
        gone = requests.post(receiver.url, data=b"gone", timeout=2)
        fine = requests.post(receiver.url, data=b"{}", timeout=2)

    assert (gone.status_code, fine.status_code) == (410, 204)
    assert fine.content == b""


def test_the_receiver_checks_signatures_when_it_has_a_secret():
    secret = signing.generate_secret()
    body = delivery("a")
    with Receiver(secret=secret) as receiver:
        signed = signing.signature_headers(secrets=[secret], msg_id="m", body=body)
        requests.post(receiver.url, data=body, headers=signed, timeout=2)
        requests.post(receiver.url, data=body, timeout=2)

    assert [r.signature_valid for r in receiver.requests] == [True, False]
    assert receiver.requests[0].header("WEBHOOK-ID") == "m"


def test_unknown_behaviour_is_refused():
    receiver = Receiver()
    with pytest.raises(TypeError, match="colour"):
        receiver.set_behaviour(colour="blue")
    with pytest.raises(ValueError, match="verification mode"):
        receiver.set_behaviour(verification="maybe")


@pytest.mark.slow  # a throughput measurement
def test_the_receiver_sustains_a_thousand_keep_alive_posts_quickly(settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    body = delivery("x")
    with Receiver() as receiver:
        started = time.monotonic()
        for _ in range(1000):
            assert transport.send(url=receiver.url, body=body, headers={}).ok
        elapsed = time.monotonic() - started
        receiver.wait_for_events(1000, timeout=1)
    transport.close_pools()

    assert elapsed < 5, f"1,000 POSTs took {elapsed:.2f} s"


# --- chunked request bodies: malformed framing is a quick 400 --------------------------------


def post_raw(receiver: Receiver, body: bytes, *, hang_up: bool = False) -> tuple[bytes, float]:
    """POST `body` with Transfer-Encoding: chunked over a raw socket; return the status line
    and how long it took. With hang_up the client stops sending (half-close) after `body`."""
    head = (
        f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{receiver.port}\r\n"
        "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=3) as conn:
        conn.sendall(head + body)
        if hang_up:
            conn.shutdown(socket.SHUT_WR)
        try:
            status_line = conn.makefile("rb").readline()
        except TimeoutError:
            status_line = b"(no answer within 3 s)"
    return status_line, time.monotonic() - started


@pytest.mark.parametrize(
    "body",
    [
        b"-1\r\n{}\r\n0\r\n\r\n",  # negative
        b"zz\r\n{}\r\n0\r\n\r\n",  # not hex
        b"0x2\r\n{}\r\n0\r\n\r\n",  # a prefix Python's int() would accept
        b"+2\r\n{}\r\n0\r\n\r\n",  # a sign
        b"1_0\r\n" + b"x" * 16 + b"\r\n0\r\n\r\n",  # an underscore int() accepts
        b"\r\n{}\r\n0\r\n\r\n",  # empty size line
        b"f" * 2000 + b"\r\n",  # an oversized size line
        b"1" + b"0" * 16 + b"\r\n",  # a size of 2**64: more digits than any real chunk
        b"2\r\n{}XX\r\n0\r\n\r\n",  # chunk data not followed by CRLF
    ],
    ids=[
        "negative",
        "non-hex",
        "0x",
        "sign",
        "underscore",
        "empty",
        "long-line",
        "huge",
        "no-crlf",
    ],
)
def test_malformed_chunked_framing_gets_a_400_quickly(body):
    with Receiver() as receiver:
        status_line, elapsed = post_raw(receiver, body)

    assert status_line.startswith(b"HTTP/1.1 400 "), status_line
    assert elapsed < 1.0
    assert receiver.requests == []


@pytest.mark.parametrize(
    "body",
    [b"10\r\nabc", b"2\r\n{}\r\n", b"2\r\n{}\r\n0\r\n"],
    ids=["data", "no-last-chunk", "no-final-crlf"],
)
def test_a_chunked_body_cut_short_by_the_client_gets_a_400_quickly(body):
    with Receiver() as receiver:
        status_line, elapsed = post_raw(receiver, body, hang_up=True)

    assert status_line.startswith(b"HTTP/1.1 400 "), status_line
    assert elapsed < 1.0
    assert receiver.requests == []


def test_well_formed_chunks_with_extensions_and_trailers_are_read():
    body = b'2;name=value\r\n{"\r\n0A\r\n: "x"}    \r\n0\r\nX-Trailer: t\r\n\r\n'
    with Receiver() as receiver:
        status_line, _ = post_raw(receiver, body)

    assert status_line.startswith(b"HTTP/1.1 200 ")
    assert receiver.requests[0].body == b'{": "x"}    '


def test_a_body_shorter_than_its_content_length_is_a_400_and_not_recorded():
    """A sender killed mid-request leaves a cut-off body: it is refused, never recorded as an
    event delivery (the resilience tests kill workers mid-send)."""
    head = (
        "POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    with (
        Receiver() as receiver,
        socket.create_connection(("127.0.0.1", receiver.port), timeout=3) as conn,
    ):
        conn.sendall(head.format(port=receiver.port).encode() + b'{"data": {"ev')
        conn.shutdown(socket.SHUT_WR)
        status_line = conn.makefile("rb").readline()

    assert status_line.startswith(b"HTTP/1.1 400 "), status_line
    assert receiver.requests == []
