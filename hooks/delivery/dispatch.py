"""Telling the django-q2 cluster that a hook has work: one task per hook and publish.

Tasks carry ids only. Durability lives in our own tables (the outbox, leases and
the sweeper), never in the broker: a lost task only delays work until the sweeper.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django_q.brokers import get_broker
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _broker():
    # One broker object per process: async_task without one opens a new
    # connection per call (reference/perf-limits.md: ~600 vs ~4,400 enqueues/s).
    return get_broker()


def _tasks_in_database() -> bool:
    """True when tasks are rows of our own database (django-q2's ORM broker, not sync)."""
    options = settings.Q_CLUSTER
    return (
        not options.get("sync")
        and not options.get("redis")
        and options.get("orm") == DEFAULT_DB_ALIAS
    )


def enqueue(func: str, *args, group: str | None = None) -> None:
    """Enqueue `func(*args)` on the cluster; log and carry on if the broker is down."""
    options = {"group": group} if group else {}
    try:
        if settings.Q_CLUSTER.get("sync"):
            async_task(func, *args, sync=True, **options)
        elif _tasks_in_database():
            # A savepoint inside a caller's transaction: a failed enqueue is only logged,
            # it must not abort that transaction (PostgreSQL).
            with transaction.atomic():
                async_task(func, *args, broker=_broker(), **options)
        else:
            async_task(func, *args, broker=_broker(), **options)
    except Exception:  # the sweeper picks the work up later
        logger.exception("could not enqueue %s%s; the sweeper will retry", func, args)


def enqueue_hook_deliveries(hook_ids: list[str]) -> None:
    """Ask the cluster to deliver whatever is queued for each hook."""
    for hook_id in hook_ids:
        enqueue("hooks.tasks.deliver_hook", hook_id, group="deliver")


def enqueue_hook_deliveries_on_commit(hook_ids: list[str]) -> None:
    """Like enqueue_hook_deliveries(), for work written by the current transaction: the
    cluster hears of it only if and when that transaction commits.

    With the ORM broker the task rows are written inside the transaction itself, so they
    commit (or roll back) with it: on SQLite this saves a second wait for the write lock
    per publish (bench/bench_delivery.py). Other brokers are told after the commit.
    """
    if _tasks_in_database():
        enqueue_hook_deliveries(hook_ids)
    else:
        transaction.on_commit(lambda: enqueue_hook_deliveries(hook_ids))
