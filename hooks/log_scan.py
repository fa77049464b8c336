"""Bounded pages of the System Log, shared by `GET /api/v1/logs` and the console's page.

Conditions an index can answer are SQL (see hooks.log_query's narrowing); the others are
tested event by event in Python, and that test examines at most HOOKS_LOG_SCAN_LIMIT rows
per request. A scan that stops at the limit returns what it found (possibly nothing) and
the position of the last row it examined, so the next page continues exactly there: no
match is skipped or returned twice, and no request reads the whole window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet

from hooks.models import Event

SCAN_CHUNK = 500
Position = tuple[datetime, int]  # (published, id) of a row: where a page ends


@dataclass(frozen=True)
class ScanPage:
    """One page: its events, where the next page starts (None: no more), rows examined."""

    items: list[Event]
    next_position: Position | None
    examined: int = 0
    partial: bool = False  # ended by the scan limit, not by a full page


def after(rows: QuerySet, position: Position, *, descending: bool) -> QuerySet:
    """The rows strictly beyond `position` in the page order (keyset)."""
    moment, pk = position
    if descending:
        # The plain bound lets the database range-scan the index; the OR alone would not.
        return rows.filter(published__lte=moment).filter(
            Q(published__lt=moment) | Q(published=moment, id__lt=pk)
        )
    return rows.filter(published__gte=moment).filter(
        Q(published__gt=moment) | Q(published=moment, id__gt=pk)
    )


def scan_page(
    rows: QuerySet,
    predicates: list[Callable[[dict], bool]],
    *,
    limit: int,
    descending: bool,
    scan_limit: int | None = None,
) -> ScanPage:
    """Up to `limit` rows that pass every predicate, examining at most `scan_limit` rows."""
    rows = rows.order_by(*(("-published", "-id") if descending else ("published", "id")))
    if not predicates:  # SQL alone decides: an index range, bounded by the page itself
        found = list(rows[: limit + 1])
        more = len(found) > limit
        page = found[:limit]
        return ScanPage(page, _position(page[-1]) if more else None, examined=len(found))
    scan_limit = max(1, scan_limit or settings.HOOKS_LOG_SCAN_LIMIT)
    found: list[Event] = []
    examined, last = 0, None
    for row in rows[:scan_limit].iterator(chunk_size=SCAN_CHUNK):
        examined += 1
        if all(predicate(row.data) for predicate in predicates):
            if len(found) == limit:  # a match beyond the page: the page is full
                return ScanPage(found, _position(found[-1]), examined=examined)
            found.append(row)
        last = row
    if examined == scan_limit:  # stopped by the bound: continue after the last row examined
        return ScanPage(found, _position(last), examined=examined, partial=True)
    return ScanPage(found, None, examined=examined)


def _position(row: Event) -> Position:
    return row.published, row.pk
