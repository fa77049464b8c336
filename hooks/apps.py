"""App configuration: registers system checks and signal receivers."""

from __future__ import annotations

from django.apps import AppConfig


class HooksConfig(AppConfig):
    name = "hooks"
    verbose_name = "Event hooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hooks import checks, signals  # noqa: F401  (registers checks, receivers)
        from hooks.systemlog import auth_events as sources  # noqa: F401  (registers checks, receivers)
