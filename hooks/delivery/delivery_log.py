"""What the delivery log says about one delivery, for the API and the console alike.

A delivery waiting for a retry is PENDING, but its story is in its attempts: the last
status code, the last error, when it was last tried and when it will be tried next.
hooks.selectors.with_log_state annotates those; a delivery read without them (a fresh
redelivery) falls back on its own row.
"""

from __future__ import annotations

import http
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hooks.models import Delivery


@dataclass(frozen=True)
class LogState:
    last_status_code: int | None
    last_error: str | None
    last_updated: datetime
    next_attempt_at: datetime | None
    redelivery_of: str | None  # eventId of the delivery this one sends again
    redelivered_as: str | None  # eventId of the newest redelivery that replaced this one


def log_state(delivery: Delivery) -> LogState:
    """The log's view of `delivery` (annotated by with_log_state, or its row alone)."""
    tried_at = getattr(delivery, "last_attempt_at", None)
    if tried_at is not None:  # it has a finished attempt: that is the latest word
        annotated: Any = delivery  # with with_log_state's annotations (not model fields)
        code = annotated.last_attempt_status
        error = annotated.last_attempt_error or (
            f"HTTP {code}" if code is not None and not 200 <= code < 300 else None
        )
    else:
        code, error = delivery.last_status_code, delivery.last_error or None
    return LogState(
        last_status_code=code,
        last_error=error,
        last_updated=max(filter(None, [tried_at, delivery.updated_at])),
        next_attempt_at=delivery.next_attempt_at
        if delivery.status == Delivery.Status.PENDING
        else None,
        redelivery_of=_event_id(delivery, "redelivery_of_event_id", "redelivery_of"),
        redelivered_as=_event_id(delivery, "redelivered_as_event_id", None),
    )


def summary(delivery: Delivery, state: LogState, *, now: datetime) -> str:
    """One line for the console: "Pending · retry in 4 min · last: 503 Service Unavailable"."""
    parts = [delivery.get_status_display().title()]
    if delivery.status == Delivery.Status.PENDING:
        if state.next_attempt_at is None:
            parts.append("queued")
        elif state.next_attempt_at <= now:
            parts.append("retry due now")
        else:
            parts.append(f"retry in {_duration((state.next_attempt_at - now).total_seconds())}")
    elif delivery.status == Delivery.Status.SENDING:
        parts.append(f"attempt {delivery.attempt_count} in flight")
    last = _status_text(state.last_status_code) or state.last_error
    if last and delivery.status != Delivery.Status.SUCCEEDED:
        parts.append(f"last: {last}")
    elif last:
        parts.append(last)
    return " · ".join(parts)


def _status_text(code: int | None) -> str:
    if code is None:
        return ""
    try:
        return f"{code} {http.HTTPStatus(code).phrase}"
    except ValueError:  # a code outside the standard set: the number says it all
        return str(code)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def _event_id(delivery: Delivery, annotated: str, relation: str | None) -> str | None:
    if hasattr(delivery, annotated):
        value = getattr(delivery, annotated)
        return str(value) if value is not None else None
    if relation and getattr(delivery, f"{relation}_id", None) is not None:
        return str(getattr(delivery, relation).event_id)
    return None
