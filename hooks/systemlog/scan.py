"""Bounded pages of the System Log, shared by `GET /api/v1/logs` and the console's page.

Conditions an index can answer are SQL (see hooks.systemlog.query's narrowing); the others are
tested event by event in Python, and that test examines at most HOOKS_LOG_SCAN_LIMIT rows
per request. A scan that stops at the limit returns what it found (possibly nothing) and
the position of the last row it examined, so the next page continues exactly there: no
match is skipped or returned twice, and no request reads the whole window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from hooks.models import Event
from hooks.systemlog.query import Clause

SCAN_CHUNK = 500
Position = tuple[datetime, int]  # (published, id) of a row: where a page ends
# Read per row examined, with the JSON text (source_id: pages show where an event came from).
_SCANNED = ("id", "published", "event_type", "source_id")


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
    clauses: list[Clause],
    *,
    limit: int,
    descending: bool,
    scan_limit: int | None = None,
) -> ScanPage:
    """Up to `limit` rows that pass every clause, examining at most `scan_limit` rows."""
    rows = rows.order_by(*(("-published", "-id") if descending else ("published", "id")))
    if not clauses:  # SQL alone decides: an index range, bounded by the page itself
        found: list[Event] = list(rows[: limit + 1])
        more = len(found) > limit
        page = found[:limit]
        return ScanPage(page, _position(page[-1]) if more else None, examined=len(found))
    scan_limit = max(1, scan_limit or settings.HOOKS_LOG_SCAN_LIMIT)
    text_tests = [clause.text_test for clause in clauses if clause.text_test is not None]
    predicates = [clause.predicate for clause in clauses]
    # The JSON as stored, not decoded: decoding is most of a scan's time, and the text
    # tests (plain substrings) rule most rows out before it. Only the columns pages show are
    # read (the others, deferred, cost a datetime conversion each per row examined).
    texts = rows.annotate(json_text=Cast("data", TextField()))
    found = []
    examined, last, next_position = 0, None, None
    for values in texts.values_list(*_SCANNED, "json_text")[:scan_limit].iterator(
        chunk_size=SCAN_CHUNK
    ):
        examined += 1
        last = values
        if not all(test(values[-1]) for test in text_tests):
            continue
        data = json.loads(values[-1])
        if all(predicate(data) for predicate in predicates):
            if len(found) == limit:  # a match beyond the page: the page is full
                next_position = _position(found[-1])
                break
            found.append(_event(rows.db, values, data))
    else:
        # Stopped by the bound: continue after the last row (scan_limit >= 1, so one was read).
        if examined == scan_limit and last is not None:
            next_position = (last[1], last[0])
    partial = next_position is not None and len(found) < limit
    return ScanPage(found, next_position, examined=examined, partial=partial)


def _event(db: str, values: tuple, data: dict) -> Event:
    """An Event of the columns read. Model.from_db takes values in the model's field order
    (id, published, event_type, data, ..., source), not in the order they were read."""
    pk, published, event_type, source_id = values[:-1]
    names = ["id", "published", "event_type", "data", "source_id"]
    return Event.from_db(db, names, [pk, published, event_type, data, source_id])


def _position(row: Event) -> Position:
    return row.published, row.pk
