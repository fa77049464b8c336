"""One-time verification of a hook's endpoint, run by the worker cluster.

The API stays synchronous, as Okta's is: the view queues the challenge as a
VERIFICATION delivery, the cluster runs it, and the view waits for the row to
finish. Either way an `event_hook.verified` System Log event records the outcome.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hooks.dispatch import enqueue
from hooks.models import Delivery, DeliveryAttempt, EventHook
from hooks.redaction import redact_headers

# Two tries of 3 s plus queueing: generous, so a busy cluster still answers.
WAIT_SECONDS = 20.0


class VerificationFailed(Exception):
    """The endpoint did not prove ownership; `cause` says exactly why."""

    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause


def endpoint_headers(hook: EventHook) -> dict[str, str]:
    """The hook's own headers sent with every request: auth header, then custom headers."""
    headers = {}
    if hook.auth_key and hook.auth_value:
        headers[hook.auth_key] = hook.auth_value
    for header in hook.headers:
        headers[header["key"]] = header["value"]
    return headers


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
    from django.contrib.auth import get_user_model

    from hooks.challenge import run_challenge
    from hooks.services import Actor, _audit

    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING
    )
    if not claimed:
        return False
    delivery = Delivery.objects.select_related("hook").get(pk=delivery_id)
    hook = delivery.hook
    started = timezone.now()
    outcome = run_challenge(url=hook.uri, headers=endpoint_headers(hook))
    secrets_to_hide = [hook.auth_value]
    attempts = []
    for number, (challenge, result) in enumerate(outcome.attempts, start=1):
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
                request_headers=redact_headers(
                    {**endpoint_headers(hook), "X-Okta-Verification-Challenge": challenge},
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
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(attempts)
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.SUCCEEDED if outcome.verified else Delivery.Status.FAILED,
            attempt_count=len(attempts),
            last_status_code=last.status_code if last else None,
            last_error=outcome.cause,
            completed_at=timezone.now(),
        )
        if outcome.verified:
            EventHook.objects.filter(pk=hook.pk).update(
                verification_status=EventHook.Verification.VERIFIED,
                updated_at=timezone.now(),
                version=F("version") + 1,
            )
        _audit(
            "event_hook.verified",
            hook,
            Actor(user=user, token_id=token_id),
            outcome="SUCCESS" if outcome.verified else "FAILURE",
            reason=outcome.cause or None,
            severity="INFO" if outcome.verified else "WARN",
        )
    if outcome.verified:
        # Matches may have waited for verification (they are only made for verified
        # hooks, but a re-verification after a channel change can unblock old ones).
        from hooks.dispatch import enqueue_hook_deliveries

        enqueue_hook_deliveries([hook.pk])
    return outcome.verified
