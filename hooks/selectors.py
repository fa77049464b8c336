"""Reads that are more than one .filter(): keyset pages of deliveries and of the System Log."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from hooks.log_events import parse_timestamp
from hooks.models import Delivery, EventHook

MAX_PAGE = 200


class CursorError(ValueError):
    """An `after` cursor that this server did not make."""


def encode_cursor(moment: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment_text, pk_text = base64.urlsafe_b64decode(padded).decode().split("|")
        moment = parse_timestamp(moment_text)
        if moment is None:
            raise ValueError
        return moment, int(pk_text)
    except (ValueError, UnicodeDecodeError):
        raise CursorError(f"'{cursor}' is not a cursor from a previous page") from None


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def deliveries_page(
    *,
    hook: EventHook,
    status: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page:
    """One page of a hook's deliveries, newest first, by keyset (fast at millions of rows)."""
    rows: QuerySet[Delivery] = Delivery.objects.filter(hook=hook)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    if after:
        moment, pk = decode_cursor(after)
        rows = rows.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    limit = max(1, min(limit, MAX_PAGE))
    items = list(rows.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor(last.created_at, last.pk)
    return Page(items=items, next_cursor=next_cursor)


def deliveries_matching(
    *, hook: EventHook, status: str | None, since: datetime | None, until: datetime | None
) -> QuerySet[Delivery]:
    """EVENTS deliveries of a hook matching a redelivery query."""
    rows = Delivery.objects.filter(hook=hook, kind=Delivery.Kind.EVENTS)
    if status:
        rows = rows.filter(status=status)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    return rows.order_by("created_at", "id")
