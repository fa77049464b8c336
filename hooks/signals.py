"""Signal receivers: wired in HooksConfig.ready(), so every process (web, worker, command)
has them.

Besides Django's and django-q2's signals, two of our own carry news up the layers
(hooks/__init__.py): publishing's `outbox_written` reaches the delivery engine, and
delivery's `hook_unhealthy` reaches eventhooks.services.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import timezone
from django_q.models import Schedule
from django_q.signals import post_execute_in_worker, post_spawn, pre_execute

from hooks.delivery.dispatch import enqueue_hook_deliveries_on_commit
from hooks.delivery.signals import hook_unhealthy
from hooks.eventhooks.services import SYSTEM, hook_deactivate
from hooks.ops.heartbeat import on_task, on_worker_spawn
from hooks.ops.observability import bind_task, task_finished
from hooks.ops.retention import PURGE_TASK_TIMEOUT
from hooks.systemlog.event_types import catalog_load
from hooks.systemlog.signals import outbox_written


@receiver(outbox_written)
def deliver_new_matches(sender, hook_ids: list[str], **kwargs) -> None:
    """Publishing wrote outbox rows for these hooks: the cluster hears of them on commit."""
    enqueue_hook_deliveries_on_commit(hook_ids)


@receiver(hook_unhealthy)
def deactivate_unhealthy_hook(sender, hook, reason: str, **kwargs) -> None:
    """Delivery gave up on the hook's endpoint: deactivate it, audited as the system's act."""
    hook_deactivate(
        hook=hook, actor=SYSTEM, reason=reason, audit_type="event_hook.auto_deactivated"
    )


@receiver(post_migrate)
def load_catalog_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    """Keep the catalog in step with the code on every `migrate` (idempotent, fast)."""
    if app_config is None or app_config.label != "hooks":
        return
    catalog_load()


@receiver(post_migrate)
def ensure_schedules(sender, app_config=None, **kwargs) -> None:
    """Create the cluster's periodic jobs once: the sweeper every minute, retention daily."""
    if app_config is None or app_config.label != "hooks":
        return
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
    now = timezone.now()
    moment = now.replace(hour=3, minute=30, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)


@receiver(post_spawn)
def heartbeat_on_spawn(sender, proc_name=None, **kwargs) -> None:
    """A django-q2 worker process started: it is alive (hooks/ops/heartbeat.py)."""
    on_worker_spawn(proc_name or "")


@receiver(pre_execute)
def before_task(sender, func=None, task=None, **kwargs) -> None:
    """A worker takes a task: heartbeat, and log context for the lines it writes."""
    on_task(task or {})
    bind_task(task or {})


@receiver(post_execute_in_worker)
def after_task(sender, func=None, task=None, **kwargs) -> None:
    """A worker finished a task: log outcomes that say which hook, delivery and attempt."""
    task_finished(task or {})
