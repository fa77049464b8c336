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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from hooks.delivery import retry_policy
from hooks.delivery.claims import Claimed
from hooks.lib import sql as prepared_sql
from hooks.models import Delivery, DeliveryAttempt
from hooks.outbound import transport

logger = logging.getLogger("hooks.delivery")  # the name operators already filter on

UNRECORDED = "The response could not be recorded ({}); only its status was kept."


@dataclass(frozen=True)
class NextStep:
    """Where a delivery goes after an attempt: the retry policy read for that delivery.

    `status` is SUCCEEDED, FAILED, PENDING (tried again `delay` seconds after it is
    written), or SENDING: Okta's immediate retry, made at once by the worker that tried.
    """

    status: str
    delay: float | None = None
    gone: bool = False  # 410: the endpoint asked never to be called again

    @property
    def succeeded(self) -> bool:
        return self.status == Delivery.Status.SUCCEEDED

    @property
    def exhausted(self) -> bool:
        """Failed for good: no try follows."""
        return self.status == Delivery.Status.FAILED

    @property
    def retry_at_once(self) -> bool:
        return self.status == Delivery.Status.SENDING

    def due(self, now: datetime) -> datetime:
        """When a PENDING delivery's next try is due, the step written at `now`."""
        return now + timedelta(seconds=self.delay or 0)


SUCCEEDED = NextStep(Delivery.Status.SUCCEEDED)


def next_step(
    delivery_id: int,
    *,
    kind: str,
    attempts_made: int,
    result: transport.DeliveryResult,
    now: datetime,
    latest: DeliveryAttempt | None = None,
    worker_retries_at_once: bool = True,
) -> NextStep:
    """The one place a delivery's next step is decided, after its `attempts_made`-th
    attempt produced `result` (`latest`: that attempt's row, when at hand).

    Only EVENTS deliveries are tried again (a verification or preview has a caller
    waiting for its one answer). Okta's immediate retry is made by the worker that just
    tried; where none is (the sweeper taking back an expired lease,
    `worker_retries_at_once=False`) it is a PENDING delivery due at once instead.
    """
    decision = retry_policy.decide(
        result,
        attempts_made=attempts_made,
        now=now,
        first_attempt_at=None if result.ok else first_attempt_at(delivery_id, latest),
    )
    if decision.succeeded:
        return SUCCEEDED
    if kind != Delivery.Kind.EVENTS or decision.final:
        return NextStep(Delivery.Status.FAILED, gone=decision.gone)
    if decision.delay == 0 and worker_retries_at_once:
        return NextStep(Delivery.Status.SENDING, delay=0)
    return NextStep(Delivery.Status.PENDING, delay=decision.delay)


def first_attempt_at(delivery_id: int, latest: DeliveryAttempt | None = None):
    """When the delivery's first attempt started (the retry schedule counts from it)."""
    if latest is not None and latest.number == 1:
        return latest.started_at
    return (
        DeliveryAttempt.objects.filter(delivery_id=delivery_id)
        .order_by("number")
        .values_list("started_at", flat=True)
        .first()
    )


class Sent(NamedTuple):
    """A claimed delivery sent, with what its endpoint answered (not yet recorded)."""

    claimed: Claimed
    result: transport.DeliveryResult


def record_attempt(
    delivery: Delivery,
    row: DeliveryAttempt,
    result: transport.DeliveryResult,
    step: NextStep,
) -> None:
    """Complete attempt `row` with `result` and move the delivery on to `step`, in one
    transaction; on any failure, record the minimal outcome instead."""
    try:
        with transaction.atomic():
            prepared_sql.execute(_completed(row, result))
            _move_on(delivery, step, result)
    except Exception as error:  # whatever it is, the delivery must not wedge
        _record_minimal([(delivery, row, result)], step, error)
    if not result.ok:
        _log_failed(delivery, row, result)


def record_successes(sent: list[Sent]) -> None:
    """Complete the first attempts and the deliveries of a claim's successes, together;
    on any failure, record the minimal outcome of each instead."""
    if not sent:
        return
    try:
        _record_successes(sent)
    except Exception as error:  # whatever it is, the deliveries must not wedge
        items = [(s.claimed.delivery, s.claimed.attempt, s.result) for s in sent]
        _record_minimal(items, SUCCEEDED, error)


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


def _move_on(delivery: Delivery, step: NextStep, result) -> None:
    if step.status in (Delivery.Status.SUCCEEDED, Delivery.Status.FAILED):
        prepared_sql.execute(
            prepared_sql.update(Delivery, delivery.pk, **finished_values(step.status, result))
        )
    elif step.status == Delivery.Status.PENDING:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING,
            lease_expires_at=None,
            next_attempt_at=step.due(timezone.now()),
        )


def _record_successes(sent: list[Sent]) -> None:
    db = prepared_sql.backend()
    statements = []
    for model, values_of in (
        (DeliveryAttempt, lambda s: (s.claimed.attempt.pk, completed_values(s.result))),
        (
            Delivery,
            lambda s: (
                s.claimed.delivery.pk,
                finished_values(Delivery.Status.SUCCEEDED, s.result),
            ),
        ),
    ):
        rows = [values_of(one) for one in sent]
        sql = prepared_sql.update_sql(model, tuple(rows[0][1]))
        statements.append(
            (sql, [prepared_sql.update_params(model, pk, values, db) for pk, values in rows])
        )
    with transaction.atomic():  # prepared first: the write lock is held for two statements
        for sql, params in statements:
            prepared_sql.execute_many(sql, params)


def _record_minimal(items: list, step: NextStep, error: Exception) -> None:
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
            if step.status in (Delivery.Status.SUCCEEDED, Delivery.Status.FAILED):
                changes.update(
                    status=step.status,
                    lease_expires_at=None,
                    next_attempt_at=None,
                    completed_at=now,
                )
            elif step.status == Delivery.Status.PENDING:
                changes.update(
                    status=step.status, lease_expires_at=None, next_attempt_at=step.due(now)
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
