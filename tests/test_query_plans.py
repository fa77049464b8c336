"""The delivery log's queries are index lookups whatever the statistics say.

A hook's deliveries almost never are redeliveries, so `redelivery_of` is NULL on nearly
every row. With ANALYZE statistics SQLite then judged a plain index on that column useless
("every value matches every row") and answered "which delivery replaced this one?" by
walking the whole table through the created_at index, once per row of a page: 3 s a page
at 100,000 deliveries. The column's index holds only the rows that have a value.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from hooks.models import Delivery, EventHook
from hooks.selectors import deliveries_matching, with_log_state

pytestmark = pytest.mark.django_db

ROWS = 400


@pytest.fixture
def hook_with_history(make_hook) -> EventHook:
    """A hook with ROWS deliveries, two of them redelivered, and fresh statistics."""
    hook = make_hook(name="Plans", event_types=["user.lifecycle.create"])
    Delivery.objects.bulk_create(
        Delivery(hook=hook, status=Delivery.Status.SUCCEEDED, event_count=1) for _ in range(ROWS)
    )
    originals = list(Delivery.objects.filter(hook=hook).order_by("id")[:2])
    for original in originals:
        Delivery.objects.filter(pk=original.pk).update(status=Delivery.Status.FAILED)
        Delivery.objects.create(hook=hook, redelivery_of=original, event_count=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return hook


def plan(rows: QuerySet) -> str:
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def assert_no_delivery_table_walk(text: str) -> None:
    if connection.vendor == "sqlite":
        # "SCAN x USING INDEX y" walks a whole index; "SEARCH" looks a key up.
        assert "SCAN" not in text.replace("TEMP B-TREE", ""), text
    else:  # PostgreSQL on a table this small may prefer a sequential scan: a filter on
        # redelivery_of_id rather than an index condition would mean a walk.
        assert "Filter: (redelivery_of_id" not in text, text


def test_a_delivery_log_page_looks_replacements_up_by_index(hook_with_history):
    rows = with_log_state(Delivery.objects.filter(hook=hook_with_history))
    assert_no_delivery_table_walk(plan(rows.order_by("-created_at", "-id")[:51]))


def test_redeliver_all_failed_looks_replacements_up_by_index(hook_with_history):
    rows = deliveries_matching(
        hook=hook_with_history,
        status=Delivery.Status.FAILED,
        since=None,
        until=timezone.now(),
    )
    assert_no_delivery_table_walk(plan(rows))
    assert rows.count() == 0  # both failed deliveries were replaced by a redelivery


def test_a_sender_looks_for_waiting_events_through_the_unclaimed_index(make_hook):
    """Every deliver_hook task asks "are events still waiting?" before it ends. Through the
    foreign key's plain hook index (SQLite's choice without statistics, which nothing in
    the product gathers) that walks every entry the hook ever had when none waits: the
    question must use the partial index of unclaimed entries, whatever the history."""
    from django.test.utils import CaptureQueriesContext

    from hooks.delivery import sender_slots
    from hooks.models import Event, OutboxEntry

    hook = make_hook(name="Waiting", event_types=["user.lifecycle.create"])
    delivery = Delivery.objects.create(hook=hook, status=Delivery.Status.SUCCEEDED)
    events = Event.objects.bulk_create(
        Event(uuid=f"w{n}", published=timezone.now(), event_type="user.lifecycle.create", data={})
        for n in range(ROWS)
    )
    OutboxEntry.objects.bulk_create(
        OutboxEntry(hook=hook, event=event, delivery=delivery) for event in events
    )
    with CaptureQueriesContext(connection) as queries:
        assert sender_slots.events_waiting(hook.pk) is False
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            text = "\n".join(str(row[-1]) for row in cursor.fetchall())
        else:  # as autovacuum would have it
            cursor.execute("ANALYZE hooks_match")
            cursor.execute("EXPLAIN " + query["sql"])
            text = "\n".join(row[0] for row in cursor.fetchall())
    # PostgreSQL may as well look up the NULL deliveries (few) and check their hook.
    assert "match_unclaimed_idx" in text or "Index Cond: (delivery_id IS NULL)" in text, text
