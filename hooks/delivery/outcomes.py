"""Recording what an attempt produced: the attempt row completed, the delivery moved on.

After a recorded attempt a delivery is SUCCEEDED, FAILED, PENDING with a due time, or
still SENDING only for Okta's immediate retry that follows at once. Nothing a receiver
answers may break this: results arrive here sanitized (hooks.delivery.stored_response), and when
the normal recording fails all the same (any exception: a database refusing a value, a
bug), a minimal outcome without any of the receiver's text is written instead. Only
when that fails too (the database is gone) does the delivery stay SENDING, and the
sweeper takes over when its lease runs out (hooks.delivery.sweeper).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from hooks.delivery import retry_policy
from hooks.lib import sql as prepared_sql
from hooks.models import Delivery, DeliveryAttempt
from hooks.outbound import transport

logger = logging.getLogger("hooks.delivery")  # the name operators already filter on

UNRECORDED = "The response could not be recorded ({}); only its status was kept."


def next_status(delivery: Delivery, decision: retry_policy.Decision) -> str:
    """The delivery's status after an attempt decided `decision` (SENDING: Okta's
    immediate retry follows)."""
    if decision.succeeded:
        return Delivery.Status.SUCCEEDED
    if delivery.kind != Delivery.Kind.EVENTS or decision.final:
        return Delivery.Status.FAILED
    return Delivery.Status.SENDING if decision.delay == 0 else Delivery.Status.PENDING


def record_attempt(
    delivery: Delivery,
    row: DeliveryAttempt,
    result: transport.DeliveryResult,
    decision: retry_policy.Decision,
) -> None:
    """Complete attempt `row` with `result` and move the delivery on, in one transaction;
    on any failure, record the minimal outcome instead."""
    status = next_status(delivery, decision)
    try:
        with transaction.atomic():
            prepared_sql.execute(_completed(row, result))
            _move_on(delivery, status, result, decision)
    except Exception as error:  # whatever it is, the delivery must not wedge
        _record_minimal([(delivery, row, result)], status, decision, error)
    if not result.ok:
        _log_failed(delivery, row, result)


def record_successes(done: list) -> None:
    """Complete the first attempts and the deliveries of a claim's successes, together
    (`done`: (hooks.delivery.claims.Claimed, result) pairs); on any failure, record the minimal
    outcome of each instead."""
    if not done:
        return
    try:
        _record_successes(done)
    except Exception as error:  # whatever it is, the deliveries must not wedge
        items = [(item.delivery, item.attempt, result) for item, result in done]
        _record_minimal(
            items, Delivery.Status.SUCCEEDED, retry_policy.Decision(succeeded=True), error
        )


def completed_values(result: transport.DeliveryResult) -> dict:
    return {
        "outcome": (
            DeliveryAttempt.Outcome.SUCCESS if result.ok else DeliveryAttempt.Outcome.FAILURE
        ),
        "finished_at": timezone.now(),
        "duration_ms": result.duration_ms,
        "response_status": result.status_code,
        "response_headers": result.response_headers,
        "response_excerpt": result.response_excerpt,
        "error": result.error,
    }


def finished_values(status: str, result: transport.DeliveryResult) -> dict:
    return {
        "status": status,
        "lease_expires_at": None,
        "next_attempt_at": None,
        "completed_at": timezone.now(),
        "last_status_code": result.status_code,
        "last_error": result.error or ("" if result.ok else f"HTTP {result.status_code}"),
    }


def _completed(row: DeliveryAttempt, result: transport.DeliveryResult) -> tuple[str, list]:
    """The UPDATE that completes attempt `row` with `result`."""
    return prepared_sql.update(DeliveryAttempt, row.pk, **completed_values(result))


def _move_on(delivery: Delivery, status: str, result, decision: retry_policy.Decision) -> None:
    if status in (Delivery.Status.SUCCEEDED, Delivery.Status.FAILED):
        prepared_sql.execute(
            prepared_sql.update(Delivery, delivery.pk, **finished_values(status, result))
        )
    elif status == Delivery.Status.PENDING:
        assert decision.delay is not None  # a retry decision always carries its delay
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING,
            lease_expires_at=None,
            next_attempt_at=timezone.now() + timedelta(seconds=decision.delay),
        )


def _record_successes(done: list) -> None:
    db = prepared_sql.backend()
    statements = []
    for model, values_of in (
        (DeliveryAttempt, lambda item, result: (item.attempt.pk, completed_values(result))),
        (
            Delivery,
            lambda item, result: (
                item.delivery.pk,
                finished_values(Delivery.Status.SUCCEEDED, result),
            ),
        ),
    ):
        rows = [values_of(item, result) for item, result in done]
        sql = prepared_sql.update_sql(model, tuple(rows[0][1]))
        statements.append(
            (sql, [prepared_sql.update_params(model, pk, values, db) for pk, values in rows])
        )
    with transaction.atomic():  # prepared first: the write lock is held for two statements
        for sql, params in statements:
            prepared_sql.execute_many(sql, params)


def _record_minimal(items: list, status: str, decision, error: Exception) -> None:
    """The fallback: each attempt's outcome, status and duration, none of the receiver's
    text, and the delivery moved on as decided. Plain ORM updates, none of the code that
    just failed. If even this fails the delivery stays SENDING until its lease runs out."""
    note = UNRECORDED.format(type(error).__name__)
    logger.error(
        "recording an attempt failed; recording its outcome only: %r", error, exc_info=error
    )
    now = timezone.now()
    with transaction.atomic():
        for delivery, row, result in items:
            DeliveryAttempt.objects.filter(pk=row.pk).update(
                outcome=(
                    DeliveryAttempt.Outcome.SUCCESS
                    if result.ok
                    else DeliveryAttempt.Outcome.FAILURE
                ),
                finished_at=now,
                duration_ms=result.duration_ms,
                response_status=result.status_code,
                response_headers={},
                response_excerpt="",
                error=note,
            )
            changes = {"last_status_code": result.status_code, "last_error": note}
            if status in (Delivery.Status.SUCCEEDED, Delivery.Status.FAILED):
                changes.update(
                    status=status, lease_expires_at=None, next_attempt_at=None, completed_at=now
                )
            elif status == Delivery.Status.PENDING:
                changes.update(
                    status=status,
                    lease_expires_at=None,
                    next_attempt_at=now + timedelta(seconds=decision.delay),
                )
            Delivery.objects.filter(pk=delivery.pk).update(**changes)


def _log_failed(delivery: Delivery, row: DeliveryAttempt, result) -> None:
    hook_id = delivery.hook_id
    logger.info(
        "hook %s delivery %s attempt %d failed: %s",
        hook_id,
        delivery.envelope_id,
        row.number,
        result.error or f"HTTP {result.status_code}",
        extra={
            "hook_id": hook_id,
            "delivery_id": str(delivery.envelope_id),
            "attempt": row.number,
        },  # hooks.ops.observability.LogContextFilter
    )
