"""What the delivery log says about one delivery, for the API and the console alike.

A delivery waiting for a retry is PENDING, but its story is in its attempts: the last
status code, the last error, when it was last tried and when it will be tried next.
hooks.selectors.with_log_state annotates those; a delivery read without them (a fresh
redelivery) falls back on its own row.
"""

from __future__ import annotations

import http
import json
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
    duration_ms: float | None = None  # of the newest finished attempt


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
        redelivery_of=_envelope_id(delivery, "redelivery_of_envelope_id", "redelivery_of"),
        redelivered_as=_envelope_id(delivery, "redelivered_as_envelope_id", None),
        duration_ms=getattr(delivery, "last_attempt_duration", None),
    )


@dataclass(frozen=True)
class Contents:
    """What a delivery carried, read from its body (the exact text sent): for its row."""

    event_types: list[str]
    actors: list[str]  # alternateId, else displayName, else id; distinct, in order
    targets: list[str]  # "displayName (type)"; distinct, in order
    event_uuids: list[str]
    pretty: str  # the body indented, for reading; "" when there is none


MAX_PRETTY = 20_000  # characters of indented payload drawn per delivery


def contents(delivery: Delivery) -> Contents:
    """The events inside `delivery`'s envelope, summed up (a body that is not an envelope,
    such as a verification's, gives empty lists)."""
    try:
        document = json.loads(delivery.body) if delivery.body else None
    except ValueError:
        return Contents([], [], [], [], delivery.body)
    events = _events(document)
    # Dicts as ordered sets: first appearance wins, duplicates fold.
    types: dict[str, None] = {}
    actors: dict[str, None] = {}
    targets: dict[str, None] = {}
    uuids: dict[str, None] = {}
    for event in events:
        types[str(event.get("eventType") or "")] = None
        uuids[str(event.get("uuid") or "")] = None
        actor = _actor_of(event)
        actors[
            str(actor.get("alternateId") or actor.get("displayName") or actor.get("id") or "")
        ] = None
        for target in event.get("target") or []:
            if isinstance(target, dict):
                name = target.get("displayName") or target.get("alternateId") or target.get("id")
                targets[f"{name} ({target.get('type')})" if target.get("type") else str(name)] = (
                    None
                )
    pretty = json.dumps(document, indent=2, ensure_ascii=False) if document is not None else ""
    if len(pretty) > MAX_PRETTY:
        pretty = pretty[:MAX_PRETTY] + "\n…"
    return Contents(
        event_types=[t for t in types if t],
        actors=[a for a in actors if a],
        targets=[t for t in targets if t and t != "None"],
        event_uuids=[u for u in uuids if u],
        pretty=pretty,
    )


def _events(document) -> list[dict]:
    data = document.get("data") if isinstance(document, dict) else None
    events = data.get("events") if isinstance(data, dict) else None
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def carries(delivery_body: str, term: str) -> bool:
    """True when an event of the envelope has `term` as its eventType (or a dotted prefix of
    it: "user.lifecycle"), its uuid, or its actor's id, alternateId or displayName
    (those two case-insensitively, as people type them)."""
    try:
        events = _events(json.loads(delivery_body))
    except ValueError:
        return False
    folded = term.casefold()
    for event in events:
        event_type = str(event.get("eventType") or "")
        if event_type == term or event_type.startswith(term + "."):
            return True
        if str(event.get("uuid") or "") == term:
            return True
        actor = _actor_of(event)
        if str(actor.get("id") or "") == term:
            return True
        for key in ("alternateId", "displayName"):
            if str(actor.get(key) or "").casefold() == folded:
                return True
    return False


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


def _envelope_id(delivery: Delivery, annotated: str, relation: str | None) -> str | None:
    if hasattr(delivery, annotated):
        value = getattr(delivery, annotated)
        return str(value) if value is not None else None
    if relation and getattr(delivery, f"{relation}_id", None) is not None:
        return str(getattr(delivery, relation).envelope_id)
    return None


def _actor_of(event: dict) -> dict:
    """The event's actor object ({} when it has none or it is not an object)."""
    actor = event.get("actor")
    return actor if isinstance(actor, dict) else {}
