"""App configuration: registers system checks and signal receivers."""

from __future__ import annotations

from django.apps import AppConfig


class HooksConfig(AppConfig):
    name = "hooks"
    verbose_name = "Event hooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported for their side effects, and only here: Django registers receivers and
        # checks once the app registry is ready, and these modules import the models.
        from hooks import checks, signals  # noqa: F401
        from hooks.systemlog import auth_events  # noqa: F401
