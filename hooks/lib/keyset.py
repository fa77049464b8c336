"""Keyset pagination: opaque `after` cursors and pages that are index range scans."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from hooks.lib.timestamps import parse_timestamp

MAX_PAGE = 200


class CursorError(ValueError):
    """An `after` cursor that this server did not make."""


def encode_cursor(moment: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment_text, pk_text = base64.urlsafe_b64decode(padded).decode().split("|")
        moment, pk = parse_timestamp(moment_text), int(pk_text)
        if moment is None or not 0 < pk < 2**63:  # a bigint id; larger overflows the query
            raise ValueError
        return moment, pk
    except (ValueError, UnicodeDecodeError):
        raise CursorError(f"'{cursor}' is not a cursor from a previous page") from None


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None
    partial: bool = False  # cut short by a bounded scan: the rest is behind next_cursor


def keyset_page(rows: QuerySet, *, time_field: str, after: str | None, limit: int) -> Page:
    """Rows newest first by (`time_field`, id), one page after the cursor `after`.

    Keyset pagination: each page is an index range scan, as fast at row one
    million as at row one, unlike OFFSET.
    """
    if after:
        moment, pk = decode_cursor(after)
        # The plain `<=` bound lets the database range-scan the index; the OR alone would not.
        rows = rows.filter(**{f"{time_field}__lte": moment}).filter(
            Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "id__lt": pk})
        )
    limit = max(1, min(limit, MAX_PAGE))
    items = list(rows.order_by(f"-{time_field}", "-id")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor(getattr(items[-1], time_field), items[-1].pk)
    return Page(items=items, next_cursor=next_cursor)
