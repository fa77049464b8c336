"""Query parameters of the API, parsed strictly: a bad one is 400 E0000001 with a cause."""

from __future__ import annotations

from datetime import datetime

from hooks.api.errors import validation_error
from hooks.lib.params import parse_whole_number
from hooks.lib.timestamps import TIMESTAMP_RULE, parse_timestamp


def limit_param(request, *, default: int, maximum: int) -> int:
    """`limit`: a whole number from 1 to `maximum` (ASCII digits only), `default` if absent."""
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    limit = parse_whole_number(raw, minimum=1, maximum=maximum)
    if limit is None:
        raise validation_error("limit", [f"limit: must be a whole number from 1 to {maximum}"])
    return limit


def time_param(request, name: str) -> datetime | None:
    """An ISO-8601 query parameter within years 1-9999 UTC, or None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    return time_value(name, raw)


def time_value(name: str, raw: str) -> datetime:
    """`raw` as an aware UTC datetime, or 400 E0000001 naming `name`."""
    moment = parse_timestamp(raw)
    if moment is None:
        raise validation_error(name, [f"{name}: '{raw}' is not {TIMESTAMP_RULE}"])
    return moment
