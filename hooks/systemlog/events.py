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


def _expect_dict(raw: dict, key: str, causes: list[str], prefix: str) -> None:
    value = raw.get(key)
    if value is not None and not isinstance(value, dict):
        causes.append(f"{prefix}{key}: must be an object")


def normalize_log_event(
    raw: object, *, catalog: dict[str, str], index: int | None = None, any_type: bool = False
) -> dict:
    """Return a complete LogEvent built from `raw`, or raise EventValidationError.

    `catalog` maps known event type names to their display message. The server
    fills `uuid`, `published`, `version`, `severity`, `displayMessage` and
    `outcome` when they are absent, and every other standard key with null.
    `any_type` accepts types outside the catalog: events that came from a real Okta org
    (hooks/sources/) are its record, whatever types it has that our catalog lacks.
    """
    prefix = f"events[{index}]." if index is not None else ""
    if not isinstance(raw, dict):
        raise EventValidationError([f"{prefix.rstrip('.') or 'event'}: must be a JSON object"])
    causes: list[str] = []
    event_type = raw.get("eventType")
    if not isinstance(event_type, str) or not event_type:
        causes.append(f"{prefix}eventType: The field cannot be left blank")
    elif event_type not in catalog and not any_type:
        causes.append(f"{prefix}eventType: '{event_type}' is not an event type in the catalog")
    event_uuid = raw.get("uuid") or str(uuid_lib.uuid1())
    if not isinstance(event_uuid, str) or len(event_uuid) > 64:
        causes.append(f"{prefix}uuid: must be a string of at most 64 characters")
    published = raw.get("published")
    if published is None:
        published = format_timestamp(datetime.now(UTC))
    elif parse_timestamp(published) is None:
        causes.append(f"{prefix}published: '{published}' is not {TIMESTAMP_RULE}")
    severity = raw.get("severity") or "INFO"
    if severity not in SEVERITIES:
        causes.append(f"{prefix}severity: must be one of {', '.join(SEVERITIES)}")
    for key in (
        "actor",
        "outcome",
        "client",
        "transaction",
        "debugContext",
        "authenticationContext",
        "securityContext",
        "request",
    ):
        _expect_dict(raw, key, causes, prefix)
    target = raw.get("target")
    if target is not None and not (
        isinstance(target, list) and all(isinstance(t, dict) for t in target)
    ):
        causes.append(f"{prefix}target: must be an array of objects")
    outcome = raw.get("outcome") if isinstance(raw.get("outcome"), dict) else None
    if outcome and outcome.get("result") not in (None, *OUTCOME_RESULTS):
        causes.append(f"{prefix}outcome.result: '{outcome.get('result')}' is not a known result")
    if causes:
        raise EventValidationError(causes)

    # Past the raise: event_type is a catalog name and `published` a valid timestamp.
    event_type = cast(str, event_type)
    event = {key: raw.get(key) for key in LOG_EVENT_KEYS}
    event.update(
        uuid=event_uuid,
        published=format_timestamp(cast(datetime, parse_timestamp(published))),
        eventType=event_type,
        version=str(raw.get("version") or "0"),
        displayMessage=raw.get("displayMessage") or catalog.get(event_type) or event_type,
        severity=severity,
        actor=raw.get("actor") or dict(SYSTEM_ACTOR),
        outcome=outcome or {"result": "SUCCESS", "reason": None},
        target=target or [],
    )
    # Keys beyond Okta's standard ones are kept: integrators may add their own.
    for key, value in raw.items():
        if key not in event:
            event[key] = value
    return event
