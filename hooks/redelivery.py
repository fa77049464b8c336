"""Redelivery by query: one service for the API, the console and `manage.py redeliver`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hooks.delivery import delivery_redeliver
from hooks.models import Delivery


def deliveries_redeliver(
    *,
    deliveries: Iterable[Delivery],
    limit: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Queue a redelivery of each delivery (at most `limit`); return how many were queued.

    Each redelivery is its own small transaction, so a long run never holds the
    database, and an interrupted run keeps what it already queued.
    """
    if limit is not None and hasattr(deliveries, "__getitem__"):
        deliveries = deliveries[:limit]
    queued = 0
    for delivery in deliveries:
        if delivery.kind == Delivery.Kind.VERIFICATION:
            continue
        delivery_redeliver(delivery=delivery)
        queued += 1
        if on_progress is not None:
            on_progress(queued)
    return queued
