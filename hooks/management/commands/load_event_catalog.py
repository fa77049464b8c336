"""manage.py load_event_catalog: create or update the event catalog (safe to rerun)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from hooks.systemlog.event_types import catalog_load


class Command(BaseCommand):
    help = "Load the event catalog (event types, labels, descriptions). Safe to run again."

    def handle(self, *args, **options) -> None:
        result = catalog_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Event catalog loaded: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
