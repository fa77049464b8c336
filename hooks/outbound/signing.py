"""Standard Webhooks signatures (https://www.standardwebhooks.com/): HMAC-SHA256, v1."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def generate_secret() -> str:
    """Return a new signing secret: "whsec_" + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return "v1,<base64 HMAC-SHA256>" over f"{msg_id}.{timestamp}." + body."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_headers(
    *, secrets: list[str], msg_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """Return webhook-id/-timestamp/-signature headers; one signature per secret (rotation)."""
    if not secrets:
        raise ValueError("At least one signing secret is required.")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    signatures = " ".join(sign(secret=s, msg_id=msg_id, timestamp=ts, body=body) for s in secrets)
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signatures}


def verify(*, secret: str, headers: Mapping[str, str], body: bytes, tolerance: int = 300) -> bool:
    """Return True when a v1 signature matches and the timestamp is within `tolerance` s."""
    lowered = {str(k).lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    raw_timestamp = lowered.get("webhook-timestamp")
    signature_header = lowered.get("webhook-signature")
    if not (msg_id and raw_timestamp and signature_header):
        return False
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body).encode()
    matched = False
    for candidate in signature_header.split():
        # Compare every candidate so the time taken does not reveal which one matched.
        matched |= hmac.compare_digest(candidate.encode(), expected)
    return matched


def _key(secret: str) -> bytes:
    """Return the HMAC key: the base64-decoded part after the optional "whsec_" prefix."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("A signing secret must be base64 (optionally after whsec_).") from None
    if not key:
        raise ValueError("A signing secret must not be empty.")
    return key
