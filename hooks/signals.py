"""Signal receivers: wired in HooksConfig.ready()."""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver


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
