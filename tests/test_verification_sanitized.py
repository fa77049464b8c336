"""Verification stores what the endpoint answered sanitized, as deliveries do: a NUL byte in
the challenge's answer (body or header) must not make the attempt's write fail on
PostgreSQL and leave the verification SENDING. Real receiver on 127.0.0.1; both stacks."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hooks.eventhooks.challenge import CHALLENGE_HEADER
from hooks.eventhooks.services import SYSTEM
from hooks.eventhooks.verification import VerificationFailed, hook_verify
from hooks.models import Delivery, Event, EventHook

pytestmark = pytest.mark.django_db(transaction=True)


class NulAnswer(BaseHTTPRequestHandler):
    """Answers the challenge with a NUL in a header, and in the body unless `echo` is set."""

    echo = True

    def do_GET(self) -> None:  # http.server's name
        if self.echo:
            body = json.dumps({"verification": self.headers[CHALLENGE_HEADER]}).encode()
        else:
            body = b"not json\x00after the NUL \xff"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Trace", "a\x00b")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass  # quiet test output


@pytest.fixture
def nul_receiver():
    """A NulAnswer server on 127.0.0.1; yields `answer(echo=...)`, which returns its URL."""
    handler = type("Handler", (NulAnswer,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll: shutdown() waits for the loop to look (0.5 s by default).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()

    def answer(*, echo: bool) -> str:
        handler.echo = echo
        return f"http://127.0.0.1:{server.server_address[1]}/hook"

    yield answer
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_an_echo_with_a_nul_header_verifies_and_stores_the_header_sanitized(
    make_hook, nul_receiver
):
    hook = make_hook(uri=nul_receiver(echo=True))

    verified = hook_verify(hook=hook, actor=SYSTEM, wait=3)

    assert verified.verification_status == EventHook.Verification.VERIFIED
    attempt = Delivery.objects.get(hook=hook, kind=Delivery.Kind.VERIFICATION).attempts.get()
    assert attempt.response_headers["X-Trace"] == "a\ufffdb"


def test_a_nul_in_a_failed_answer_fails_verification_with_a_sanitized_cause(
    make_hook, nul_receiver
):
    hook = make_hook(uri=nul_receiver(echo=False))

    with pytest.raises(VerificationFailed) as failure:
        hook_verify(hook=hook, actor=SYSTEM, wait=3)

    assert failure.value.cause.startswith("The response was not JSON: not json\ufffdafter the NUL")
    verification = Delivery.objects.get(hook=hook, kind=Delivery.Kind.VERIFICATION)
    assert verification.status == Delivery.Status.FAILED
    assert "\x00" not in verification.last_error
    for attempt in verification.attempts.all():
        assert attempt.response_excerpt.startswith("not json\ufffdafter the NUL \ufffd")
        assert attempt.response_headers["X-Trace"] == "a\ufffdb"
    audit = Event.objects.get(event_type="event_hook.verified").data
    assert audit["outcome"]["result"] == "FAILURE"
    assert "\x00" not in json.dumps(audit, ensure_ascii=False)


def test_a_verification_attempt_stores_the_headers_sent_on_the_wire(make_hook, nul_receiver):
    """As for deliveries: Host, User-Agent, Accept-Encoding... stored, the auth value masked."""
    hook = make_hook(uri=nul_receiver(echo=True))

    hook_verify(hook=hook, actor=SYSTEM, wait=3)

    attempt = Delivery.objects.get(hook=hook, kind=Delivery.Kind.VERIFICATION).attempts.get()
    stored = {key.lower(): value for key, value in attempt.request_headers.items()}
    assert stored["host"] == hook.uri.split("/")[2]
    assert stored["user-agent"] == "Okta-Integrations"
    assert "accept-encoding" in stored
    assert CHALLENGE_HEADER.lower() in stored
    assert stored["authorization"] != hook.auth_value
