"""The one-time verification challenge against a real Receiver on 127.0.0.1."""

from __future__ import annotations

import socket
import time

import pytest

from hooks.eventhooks.challenge import CHALLENGE_HEADER, run_challenge
from hooks.outbound import transport
from hooks.receiver.receiver import Receiver


@pytest.fixture(autouse=True)
def loopback_only(settings):
    settings.HOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HOOKS_DELIVERY_TIMEOUT = 3.0
    yield
    transport.close_pools()


@pytest.fixture
def receiver():
    with Receiver(auth=("Authorization", "Bearer s3cret")) as running:
        yield running


def test_an_endpoint_that_echoes_the_challenge_is_verified(receiver):
    outcome = run_challenge(url=receiver.url, headers={"Authorization": "Bearer s3cret"})

    assert (outcome.verified, outcome.cause) == (True, "")
    ((value, result),) = outcome.attempts
    (request,) = receiver.verifications
    assert request.method == "GET"
    assert request.headers[CHALLENGE_HEADER] == value
    assert len(value) == 43  # secrets.token_urlsafe(32)
    assert request.auth_valid is True
    assert result.status_code == 200


def test_the_callers_headers_cannot_replace_the_challenge(receiver):
    outcome = run_challenge(url=receiver.url, headers={"x-okta-verification-challenge": "fixed"})

    assert outcome.verified
    assert receiver.verifications[0].headers[CHALLENGE_HEADER] != "fixed"


def test_a_wrong_value_fails_after_one_retry_with_a_fresh_challenge(receiver):
    receiver.set_behaviour(verification="wrong")

    outcome = run_challenge(url=receiver.url, headers={})

    assert outcome.verified is False
    assert outcome.cause == 'The response\'s "verification" value did not match the challenge'
    assert len(outcome.attempts) == 2
    assert outcome.attempts[0][0] != outcome.attempts[1][0]
    assert [r.headers[CHALLENGE_HEADER] for r in receiver.verifications] == [
        value for value, _ in outcome.attempts
    ]


def test_a_response_that_is_not_json_is_explained(receiver):
    receiver.set_behaviour(verification="not_json")

    outcome = run_challenge(url=receiver.url, headers={})

    assert outcome.cause == "The response was not JSON: verified!"


def test_a_json_response_without_the_field_is_explained(receiver):
    receiver.set_behaviour(verification="status:200")

    outcome = run_challenge(url=receiver.url, headers={})

    assert outcome.cause == 'The response has no "verification" field'


def test_a_404_is_explained(receiver):
    receiver.set_behaviour(verification="status:404")

    outcome = run_challenge(url=receiver.url, headers={})

    assert outcome.cause == "The endpoint answered 404; expected 2xx"
    assert len(outcome.attempts) == 2


@pytest.mark.slow  # waits out two 0.3 s timeouts
def test_a_hanging_endpoint_times_out_on_both_tries(receiver):
    receiver.set_behaviour(verification="hang")
    started = time.monotonic()

    outcome = run_challenge(url=receiver.url, headers={}, timeout=0.3)

    assert time.monotonic() - started < 1.5
    assert outcome.cause == f"Timed out after 0.3 s waiting for {receiver.url}"
    assert len(outcome.attempts) == 2


def test_a_refused_connection_is_explained():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"

    outcome = run_challenge(url=url, headers={})

    assert outcome.cause == f"Connection refused by {url}"
    assert len(outcome.attempts) == 2


def test_a_blocked_destination_is_not_retried(settings, monkeypatch):
    settings.HOOKS_ALLOWED_NETWORKS = []
    monkeypatch.setattr(transport, "_pool_for", pytest.fail)

    outcome = run_challenge(url="https://10.1.2.3/hook", headers={})

    assert outcome.verified is False
    assert outcome.cause == "Destination refused: 10.1.2.3 is a private address"
    assert len(outcome.attempts) == 1
    assert outcome.attempts[0][1].blocked


def test_a_failed_first_try_is_retried_and_can_succeed():
    def heal_on_second_try(request):
        if request.method == "GET" and len(receiver.verifications) == 2:
            receiver.set_behaviour(verification="echo")

    receiver = Receiver(on_event=heal_on_second_try)
    with receiver:
        receiver.set_behaviour(verification="status:500")

        outcome = run_challenge(url=receiver.url, headers={})

    assert (outcome.verified, outcome.cause) == (True, "")
    assert [result.status_code for _, result in outcome.attempts] == [500, 200]
