"""Standard Webhooks signatures, checked against the reference `standardwebhooks` library."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hooks.outbound import signing

BODY = b'{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"e1"}]}}'


def test_a_generated_secret_is_whsec_and_32_random_bytes():
    first, second = signing.generate_secret(), signing.generate_secret()

    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


def test_it_matches_the_published_standard_webhooks_example():
    signature = signing.sign(
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body=b'{"test": 2432232314}',
    )

    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_library_verifies_our_signature_headers():
    secret = signing.generate_secret()
    headers = signing.signature_headers(secrets=[secret], msg_id="msg_1", body=BODY)

    assert Webhook(secret).verify(BODY, headers) == {
        "eventType": "com.okta.event_hook",
        "data": {"events": [{"uuid": "e1"}]},
    }


def test_we_verify_a_signature_made_by_the_library():
    secret = signing.generate_secret()
    now = datetime.now(UTC)
    library_signature = Webhook(secret).sign("msg_2", now, BODY.decode())
    headers = {
        "Webhook-Id": "msg_2",
        "Webhook-Timestamp": str(int(now.timestamp())),
        "Webhook-Signature": library_signature,
    }

    assert signing.verify(secret=secret, headers=headers, body=BODY) is True


def test_during_rotation_both_secrets_sign_and_either_one_verifies():
    old, new = signing.generate_secret(), signing.generate_secret()
    headers = signing.signature_headers(secrets=[new, old], msg_id="msg_3", body=BODY)

    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, headers)
        assert signing.verify(secret=secret, headers=headers, body=BODY)
    stranger = signing.generate_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger).verify(BODY, headers)
    assert not signing.verify(secret=stranger, headers=headers, body=BODY)


def test_the_headers_carry_the_given_id_and_timestamp():
    secret = signing.generate_secret()

    headers = signing.signature_headers(
        secrets=[secret], msg_id="msg_4", body=BODY, timestamp=1_700_000_000
    )

    assert headers["webhook-id"] == "msg_4"
    assert headers["webhook-timestamp"] == "1700000000"
    expected = signing.sign(secret=secret, msg_id="msg_4", timestamp=1_700_000_000, body=BODY)
    assert headers["webhook-signature"] == expected


def test_a_tampered_body_or_id_does_not_verify():
    secret = signing.generate_secret()
    headers = signing.signature_headers(secrets=[secret], msg_id="msg_5", body=BODY)

    assert not signing.verify(secret=secret, headers=headers, body=BODY + b" ")
    assert not signing.verify(secret=secret, headers={**headers, "webhook-id": "x"}, body=BODY)


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_timestamp_outside_the_tolerance_does_not_verify(skew):
    secret = signing.generate_secret()
    stamp = int(time.time()) + skew
    headers = signing.signature_headers(secrets=[secret], msg_id="m", body=BODY, timestamp=stamp)

    assert not signing.verify(secret=secret, headers=headers, body=BODY)
    assert signing.verify(secret=secret, headers=headers, body=BODY, tolerance=600)


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"webhook-id": "m", "webhook-timestamp": "now", "webhook-signature": "v1,abc"},
        {"webhook-id": "m", "webhook-timestamp": str(int(time.time())), "webhook-signature": ""},
        {"webhook-id": "m", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1"},
    ],
)
def test_missing_or_malformed_headers_do_not_verify(broken):
    assert signing.verify(secret=signing.generate_secret(), headers=broken, body=BODY) is False


def test_a_malformed_secret_is_a_clear_error():
    with pytest.raises(ValueError, match="base64"):
        signing.sign(secret="whsec_not base64!", msg_id="m", timestamp=1, body=b"")
