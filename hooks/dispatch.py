"""Telling the django-q2 cluster that a hook has work: one task per hook and publish.

Tasks carry ids only. Durability lives in our own tables (the outbox, leases and
the sweeper), never in the broker: a lost task only delays work until the sweeper.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _broker():
    # One broker object per process: async_task without one opens a new
    # connection per call (reference/perf-limits.md: ~600 vs ~4,400 enqueues/s).
    from django_q.brokers import get_broker

    return get_broker()


def enqueue(func: str, *args, group: str | None = None) -> None:
    """Enqueue `func(*args)` on the cluster; log and carry on if the broker is down."""
    from django_q.tasks import async_task

    options = {"group": group} if group else {}
    try:
        if settings.Q_CLUSTER.get("sync"):
            async_task(func, *args, sync=True, **options)
        else:
            async_task(func, *args, broker=_broker(), **options)
    except Exception:  # noqa: BLE001 - the sweeper picks the work up later
        logger.exception("could not enqueue %s%s; the sweeper will retry", func, args)


def enqueue_hook_deliveries(hook_ids: list[str]) -> None:
    """Ask the cluster to deliver whatever is queued for each hook."""
    for hook_id in hook_ids:
        enqueue("hooks.tasks.deliver_hook", hook_id, group="deliver")
