"""Shaping Okta LogEvent objects: defaults, validation, actors and targets."""

from __future__ import annotations

import uuid as uuid_lib
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils.dateparse import parse_datetime

from hooks.models import EventHook, UserIdentity

SEVERITIES = ("DEBUG", "INFO", "WARN", "ERROR")
OUTCOME_RESULTS = (
    "SUCCESS", "FAILURE", "SKIPPED", "ALLOW", "DENY", "CHALLENGE", "UNKNOWN",
    "RATE_LIMIT", "DEFERRED", "SCHEDULED", "ABANDONED", "UNANSWERED",
)  # fmt: skip
# Key order of a LogEvent as Okta sends it (reference §3.3).
LOG_EVENT_KEYS = (
    "uuid", "published", "eventType", "version", "displayMessage", "severity", "client",
    "device", "actor", "outcome", "target", "transaction", "debugContext", "legacyEventType",
    "authenticationContext", "securityContext", "request", "insertionTimestamp",
)  # fmt: skip
SYSTEM_ACTOR = {
    "id": "0oa00000000000000000",
    "type": "SystemPrincipal",
    "alternateId": "system@okta.com",
    "displayName": "Okta System",
    "detailEntry": None,
}


# What a cause says a timestamp must be (parse_timestamp's contract).
TIMESTAMP_RULE = "an ISO-8601 timestamp between years 1 and 9999 UTC"
# `event_hook.*` and `source.*` events are the console's audit trail about hooks and
# sources: only it writes them.
CONSOLE_ONLY_PREFIX = "event_hook."
CONSOLE_ONLY_PREFIXES = (CONSOLE_ONLY_PREFIX, "source.")


class EventValidationError(Exception):
    """A LogEvent is malformed; `causes` are human sentences."""

    def __init__(self, causes: list[str]):
        super().__init__("; ".join(causes))
        self.causes = causes


def format_timestamp(moment: datetime, *, milliseconds: bool = True) -> str:
    """Return Okta's UTC timestamp form `2025-03-13T23:36:13.123Z` (`.000Z` without ms)."""
    moment = moment.astimezone(UTC)
    millis = moment.microsecond // 1000 if milliseconds else 0
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def parse_timestamp(value: str) -> datetime | None:
    """Parse an ISO-8601 timestamp ('Z' allowed) into an aware UTC datetime; None if not one.

    A naive timestamp is taken as UTC. One whose offset moves it outside years 1-9999 in
    UTC (`0001-01-01T00:00:00+01:00`) is not one either: converting it raises
    OverflowError, and every database write or query converts to UTC.
    """
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


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


def user_external_id(user: AbstractBaseUser) -> str:
    """Return the user's stable `00u…` id, creating it on first use."""
    identity = getattr(user, "identity", None)
    if identity is None:
        identity, _ = UserIdentity.objects.get_or_create(user=user)
    return identity.external_id


def actor_for_user(user: AbstractBaseUser | None) -> dict:
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


def target_for_user(user: AbstractBaseUser) -> dict:
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
    for key in ("actor", "outcome", "client", "transaction", "debugContext",
                "authenticationContext", "securityContext", "request"):  # fmt: skip
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

    event = {key: raw.get(key) for key in LOG_EVENT_KEYS}
    event.update(
        uuid=event_uuid,
        published=format_timestamp(parse_timestamp(published)),
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
