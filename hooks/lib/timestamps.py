"""Okta's timestamps: `2025-03-13T23:36:13.123Z` out, any ISO-8601 form in, always UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

# What a cause says a timestamp must be (parse_timestamp's contract).
TIMESTAMP_RULE = "an ISO-8601 timestamp between years 1 and 9999 UTC"


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
