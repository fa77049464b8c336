"""Okta's one-time endpoint verification: a GET with a challenge the endpoint must echo."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass, field

from django.conf import settings

from hooks.outbound import errors as transport_errors
from hooks.outbound import transport
from hooks.outbound.transport import DeliveryResult

CHALLENGE_HEADER = "X-Okta-Verification-Challenge"
MAX_TRIES = 2  # Okta: one try plus one retry.


@dataclass(frozen=True)
class ChallengeOutcome:
    """Whether the endpoint proved it answers for the URI, and what each try saw."""

    verified: bool
    cause: str
    attempts: list[tuple[str, DeliveryResult]] = field(default_factory=list)


def run_challenge(
    *, url: str, headers: dict[str, str], timeout: float | None = None
) -> ChallengeOutcome:
    """GET `url` with a fresh challenge (retrying once); verified when the value is echoed."""
    if timeout is None:
        timeout = float(settings.HOOKS_DELIVERY_TIMEOUT)
    # The caller's headers (auth, custom) go along, but never its own copy of the challenge.
    base = {k: v for k, v in headers.items() if k.lower() != CHALLENGE_HEADER.lower()}
    if not any(k.lower() == "accept" for k in base):
        base["Accept"] = "application/json"
    attempts: list[tuple[str, DeliveryResult]] = []
    cause = ""
    for _ in range(MAX_TRIES):
        value = secrets.token_urlsafe(32)
        result = transport.get(url=url, headers={**base, CHALLENGE_HEADER: value}, timeout=timeout)
        attempts.append((value, result))
        cause = _failure(result, value, url=url, timeout=timeout)
        if not cause:
            return ChallengeOutcome(verified=True, cause="", attempts=attempts)
        if result.blocked:
            break  # The guard will refuse again; retrying only delays the answer.
    return ChallengeOutcome(verified=False, cause=cause, attempts=attempts)


def _failure(result: DeliveryResult, value: str, *, url: str, timeout: float) -> str:
    """Return why `result` does not prove the challenge `value`, or '' when it does."""
    if result.status_code is None:
        if result.error.startswith(transport_errors.TIMED_OUT):
            return f"Timed out after {timeout:g} s waiting for {url}"
        if result.error == transport_errors.REFUSED:
            return f"Connection refused by {url}"
        return result.error
    if not result.ok:
        return f"The endpoint answered {result.status_code}; expected 2xx"
    try:
        payload = json.loads(result.response_excerpt)
    except ValueError:
        shown = result.response_excerpt.strip()[:80] or "(empty body)"
        return f"The response was not JSON: {shown}"
    if not isinstance(payload, dict) or "verification" not in payload:
        return 'The response has no "verification" field'
    echoed = payload["verification"]
    if not isinstance(echoed, str) or not hmac.compare_digest(echoed.encode(), value.encode()):
        return 'The response\'s "verification" value did not match the challenge'
    return ""
