"""Signal receivers: wired in HooksConfig.ready()."""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django_q.signals import post_execute_in_worker, post_spawn, pre_execute

from hooks.ops.retention import PURGE_TASK_TIMEOUT


@receiver(post_migrate)
def load_catalog_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    """Keep the catalog in step with the code on every `migrate` (idempotent, fast)."""
    if app_config is None or app_config.label != "hooks":
        return
    from hooks.catalog.loader import catalog_load

    catalog_load()


@receiver(post_migrate)
def ensure_schedules(sender, app_config=None, **kwargs) -> None:
    """Create the cluster's periodic jobs once: the sweeper every minute, retention daily."""
    if app_config is None or app_config.label != "hooks":
        return
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        name="hooks-sweep",
        defaults={
            "func": "hooks.tasks.sweep",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    Schedule.objects.get_or_create(
        name="hooks-purge",
        defaults={
            "func": "hooks.tasks.purge",
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
            # A quiet hour rather than "right after the first migrate".
            "next_run": _next_purge_time(),
            # The purge stops itself before this (hooks.ops.retention.PURGE_TASK_SECONDS).
            "kwargs": f"{{'q_options': {{'timeout': {PURGE_TASK_TIMEOUT}}}}}",
        },
    )


def _next_purge_time():
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    moment = now.replace(hour=3, minute=30, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)


@receiver(post_spawn)
def heartbeat_on_spawn(sender, proc_name=None, **kwargs) -> None:
    """A django-q2 worker process started: it is alive (hooks/ops/heartbeat.py)."""
    from hooks.ops.heartbeat import on_worker_spawn

    on_worker_spawn(proc_name or "")


@receiver(pre_execute)
def before_task(sender, func=None, task=None, **kwargs) -> None:
    """A worker takes a task: heartbeat, and log context for the lines it writes."""
    from hooks.ops.heartbeat import on_task
    from hooks.ops.observability import bind_task

    on_task(task or {})
    bind_task(task or {})


@receiver(post_execute_in_worker)
def after_task(sender, func=None, task=None, **kwargs) -> None:
    """A worker finished a task: log outcomes that say which hook, delivery and attempt."""
    from hooks.ops.observability import task_finished

    task_finished(task or {})
