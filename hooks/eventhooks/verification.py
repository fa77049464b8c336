"""One-time verification of a hook's endpoint, run by the worker cluster.

The API stays synchronous, as Okta's is: the view queues the challenge as a
VERIFICATION delivery, the cluster runs it, and the view waits for the row to
finish. Either way an `event_hook.verified` System Log event records the outcome.

The hook becomes VERIFIED only if its channel (URI, auth header, custom headers) is
still the one that was challenged: a PUT may land while the challenge is in flight,
and its new, never-challenged endpoint must not inherit the old one's proof.
"""

from __future__ import annotations

import hashlib
import json
import time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hooks.delivery.dispatch import enqueue
from hooks.delivery.recovery import send_backlog_now
from hooks.delivery.stored_response import clean_text, stored_result
from hooks.eventhooks.challenge import run_challenge
from hooks.eventhooks.services import Actor, audit_hook_event
from hooks.models import Delivery, DeliveryAttempt, EventHook
from hooks.outbound.endpoint import endpoint_headers
from hooks.outbound.redaction import redact_headers

# Two tries of 3 s plus queueing: generous, so a busy cluster still answers.
WAIT_SECONDS = 20.0
ENDPOINT_CHANGED = "The endpoint changed while it was being verified; verify again"


class VerificationFailed(Exception):
    """The endpoint did not prove ownership; `cause` says exactly why."""

    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause


def channel_fingerprint(hook: EventHook) -> str:
    """A digest of everything the challenge proved: where it went and what it sent.

    The auth value is compared decrypted (its ciphertext changes on every save), so a
    PUT that re-sends the same secret is not a change, as in services._apply_spec.
    """
    channel = [hook.uri, hook.auth_key, hook.auth_value, hook.headers]
    return hashlib.sha256(json.dumps(channel, sort_keys=True).encode()).hexdigest()


def hook_verify(*, hook: EventHook, actor, wait: float = WAIT_SECONDS) -> EventHook:
    """Run the challenge on the cluster; return the VERIFIED hook or raise VerificationFailed."""
    delivery = Delivery.objects.create(
        hook=hook, kind=Delivery.Kind.VERIFICATION, status=Delivery.Status.PENDING
    )
    token_id = getattr(actor, "token_id", None)
    user_id = getattr(getattr(actor, "user", None), "pk", None)
    enqueue("hooks.tasks.verify_hook", delivery.pk, user_id, token_id, group="verify")
    deadline = time.monotonic() + wait
    while True:
        delivery.refresh_from_db(fields=["status", "last_error"])
        if delivery.status in (Delivery.Status.SUCCEEDED, Delivery.Status.FAILED):
            break
        if time.monotonic() > deadline:
            raise VerificationFailed(
                f"No worker ran the verification within {wait:.0f} s. Is the worker cluster "
                "(manage.py qcluster) running? The check stays queued and will update the hook."
            )
        time.sleep(0.05)
    if delivery.status == Delivery.Status.FAILED:
        raise VerificationFailed(delivery.last_error)
    return EventHook.objects.get(pk=hook.pk)


def run_verification(*, delivery_id: int, user_id: int | None, token_id: str | None) -> bool:
    """Worker side: send the challenge, record attempts, update the hook, audit the outcome."""
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING
    )
    if not claimed:
        return False
    delivery = Delivery.objects.select_related("hook").get(pk=delivery_id)
    hook = delivery.hook
    challenged_channel = channel_fingerprint(hook)
    started = timezone.now()
    outcome = run_challenge(url=hook.uri, headers=endpoint_headers(hook))
    secrets_to_hide = [hook.auth_value]
    attempts = []
    for number, (challenge, received) in enumerate(outcome.attempts, start=1):
        # The challenge was judged on what was received; only storing needs safe text
        # (PostgreSQL refuses a NUL in text and jsonb, and the whole write would fail).
        result = stored_result(received)
        attempts.append(
            DeliveryAttempt(
                delivery=delivery,
                number=number,
                outcome=DeliveryAttempt.Outcome.SUCCESS
                if outcome.verified and number == len(outcome.attempts)
                else DeliveryAttempt.Outcome.FAILURE,
                started_at=started,
                finished_at=timezone.now(),
                duration_ms=result.duration_ms,
                # What went on the wire (Host, User-Agent, ...), or, for a request that
                # never left (blocked, unresolvable), the headers it would have carried.
                request_headers=redact_headers(
                    received.request_headers
                    or {**endpoint_headers(hook), "X-Okta-Verification-Challenge": challenge},
                    hook=hook,
                    extra_secrets=secrets_to_hide,
                ),
                response_status=result.status_code,
                response_headers=result.response_headers,
                response_excerpt=result.response_excerpt,
                error=result.error,
            )
        )
    last = outcome.attempts[-1][1] if outcome.attempts else None
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    # The cause may quote the answer's body ("The response was not JSON: ..."), and it is
    # stored in the delivery and in the audit event.
    verified, cause = outcome.verified, clean_text(outcome.cause)
    with transaction.atomic():
        if verified:
            # Compare-and-set: the row lock (PostgreSQL) or the IMMEDIATE transaction
            # (SQLite) holds off hook_replace between this check and the update below.
            current = EventHook.objects.select_for_update().filter(pk=hook.pk).first()
            if current is None or channel_fingerprint(current) != challenged_channel:
                verified, cause = False, ENDPOINT_CHANGED
        DeliveryAttempt.objects.bulk_create(attempts)
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.SUCCEEDED if verified else Delivery.Status.FAILED,
            attempt_count=len(attempts),
            last_status_code=last.status_code if last else None,
            last_error=cause,
            completed_at=timezone.now(),
        )
        if verified:
            EventHook.objects.filter(pk=hook.pk).update(
                verification_status=EventHook.Verification.VERIFIED,
                updated_at=timezone.now(),
                version=F("version") + 1,
            )
        audit_hook_event(
            "event_hook.verified",
            hook,
            Actor(user=user, token_id=token_id),
            outcome="SUCCESS" if verified else "FAILURE",
            reason=cause or None,
            severity="INFO" if verified else "WARN",
        )
    if verified:
        # Retries and matches may have waited for verification (matches are only made for
        # verified hooks, but a re-verification after a channel change can unblock old
        # ones): they go now, oldest first, not at the next sweep.
        send_backlog_now(hook.pk)
    return verified
