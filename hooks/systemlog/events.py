"""Shaping Okta LogEvent objects: defaults, validation, actors and targets."""

from __future__ import annotations

import uuid as uuid_lib
from datetime import UTC, datetime
from typing import cast

from django.contrib.auth.models import User

from hooks.lib.timestamps import TIMESTAMP_RULE, format_timestamp, parse_timestamp
from hooks.models import EventHook, UserIdentity

SEVERITIES = ("DEBUG", "INFO", "WARN", "ERROR")
OUTCOME_RESULTS = (
    "SUCCESS",
    "FAILURE",
    "SKIPPED",
    "ALLOW",
    "DENY",
    "CHALLENGE",
    "UNKNOWN",
    "RATE_LIMIT",
    "DEFERRED",
    "SCHEDULED",
    "ABANDONED",
    "UNANSWERED",
)
# Key order of a LogEvent as Okta sends it (reference §3.3).
LOG_EVENT_KEYS = (
    "uuid",
    "published",
    "eventType",
    "version",
    "displayMessage",
    "severity",
    "client",
    "device",
    "actor",
    "outcome",
    "target",
    "transaction",
    "debugContext",
    "legacyEventType",
    "authenticationContext",
    "securityContext",
    "request",
    "insertionTimestamp",
)
SYSTEM_ACTOR = {
    "id": "0oa00000000000000000",
    "type": "SystemPrincipal",
    "alternateId": "system@okta.com",
    "displayName": "Okta System",
    "detailEntry": None,
}


# `event_hook.*` and `source.*` events are the console's audit trail about hooks and
# sources: only it writes them.
CONSOLE_ONLY_PREFIX = "event_hook."
CONSOLE_ONLY_PREFIXES = (CONSOLE_ONLY_PREFIX, "source.")


class EventValidationError(Exception):
    """A LogEvent is malformed; `causes` are human sentences."""

    def __init__(self, causes: list[str]):
        super().__init__("; ".join(causes))
        self.causes = causes


def refuse_console_only_types(raw_events: list[object]) -> None:
    """Raise EventValidationError when a client tries to publish an `event_hook.*` event.

    The console writes these about hooks (created, verified, delivery...) with the real
    actor and time; accepting them from the API or the CLI would let anyone forge the
    audit trail. The console's own writes go through publishing.audit_event instead.
    """
    single = len(raw_events) == 1
    causes = [
        f"{'' if single else f'events[{index}].'}eventType: "
        f"{raw['eventType'].split('.')[0]}.* events are written by the console itself"
        for index, raw in enumerate(raw_events)
        if isinstance(raw, dict)
        and isinstance(raw.get("eventType"), str)
        and raw["eventType"].startswith(CONSOLE_ONLY_PREFIXES)
    ]
    if causes:
        raise EventValidationError(causes)


def user_external_id(user: User) -> str:
    """Return the user's stable `00u…` id, creating it on first use."""
    identity = getattr(user, "identity", None)
    if identity is None:
        identity, _ = UserIdentity.objects.get_or_create(user=user)
    return identity.external_id


def actor_for_user(user: User | None) -> dict:
    """Return a LogEvent `actor` for a console user, or the system actor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return dict(SYSTEM_ACTOR)
    return {
        "id": user_external_id(user),
        "type": "User",
        "alternateId": user.email or user.get_username(),
        "displayName": user.get_full_name() or user.get_username(),
        "detailEntry": None,
    }


def target_for_user(user: User) -> dict:
    """Return a LogEvent `target` entry describing a user."""
    entry = actor_for_user(user)
    entry["detailEntry"] = None
    return entry


def target_for_hook(hook: EventHook) -> dict:
    """Return a LogEvent `target` entry describing an event hook."""
    return {
        "id": hook.id,
        "type": "EventHook",
        "alternateId": hook.uri,
        "displayName": hook.name,
        "detailEntry": None,
    }


# Keys whose value, when present, must be a JSON object.
_OBJECT_KEYS = (
    "actor",
    "outcome",
    "client",
    "transaction",
    "debugContext",
    "authenticationContext",
    "securityContext",
    "request",
)


def normalize_log_event(
    raw: object, *, catalog: dict[str, str], index: int | None = None, any_type: bool = False
) -> dict:
    """Return a complete LogEvent built from `raw`, or raise EventValidationError.

    `catalog` maps known event type names to their display message. The server
    fills `uuid`, `published`, `version`, `severity`, `displayMessage` and
    `outcome` when they are absent, and every other standard key with null.
    `any_type` accepts types outside the catalog: events that came from a real Okta org
    (hooks/sources/) are its record, whatever types it has that our catalog lacks.

    This runs for every published event (up to 1,000 a request): causes get their
    `events[i].` prefix only when there are some, and `published` is parsed once.
    """
    if not isinstance(raw, dict):
        prefix = f"events[{index}]" if index is not None else "event"
        raise EventValidationError([f"{prefix}: must be a JSON object"])
    get = raw.get
    causes: list[str] = []
    event_type = get("eventType")
    if not isinstance(event_type, str) or not event_type:
        causes.append("eventType: The field cannot be left blank")
    elif event_type not in catalog and not any_type:
        causes.append(f"eventType: '{event_type}' is not an event type in the catalog")
    event_uuid = get("uuid") or str(uuid_lib.uuid1())
    if not isinstance(event_uuid, str) or len(event_uuid) > 64:
        causes.append("uuid: must be a string of at most 64 characters")
    published = get("published")
    moment = datetime.now(UTC) if published is None else parse_timestamp(published)
    if moment is None:
        causes.append(f"published: '{published}' is not {TIMESTAMP_RULE}")
    severity = get("severity") or "INFO"
    if severity not in SEVERITIES:
        causes.append(f"severity: must be one of {', '.join(SEVERITIES)}")
    for key in _OBJECT_KEYS:
        value = get(key)
        if value is not None and not isinstance(value, dict):
            causes.append(f"{key}: must be an object")
    target = get("target")
    if target is not None and not (
        isinstance(target, list) and all(isinstance(t, dict) for t in target)
    ):
        causes.append("target: must be an array of objects")
    outcome = get("outcome")
    if not isinstance(outcome, dict):
        outcome = None
    elif outcome and outcome.get("result") not in (None, *OUTCOME_RESULTS):
        causes.append(f"outcome.result: '{outcome.get('result')}' is not a known result")
    if causes:
        prefix = f"events[{index}]." if index is not None else ""
        raise EventValidationError([prefix + cause for cause in causes])

    # Past the raise: event_type is a catalog name and `published` a valid timestamp.
    event_type = cast(str, event_type)
    # Okta's standard keys first, in its order (null when absent); keys beyond them are
    # kept after, in the client's order: integrators may add their own.
    event = dict.fromkeys(LOG_EVENT_KEYS)
    event.update(raw)
    event.update(
        uuid=event_uuid,
        published=format_timestamp(cast(datetime, moment)),
        eventType=event_type,
        version=str(get("version") or "0"),
        displayMessage=get("displayMessage") or catalog.get(event_type) or event_type,
        severity=severity,
        actor=get("actor") or dict(SYSTEM_ACTOR),
        outcome=outcome or {"result": "SUCCESS", "reason": None},
        target=target or [],
    )
    return event
