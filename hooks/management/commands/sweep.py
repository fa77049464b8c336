"""manage.py sweep: run the delivery sweeper once (the cluster also runs it every minute)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from hooks.api.throttling import forget_old_counters
from hooks.delivery.sweeper import delivery_sweep
from hooks.sources.reader import enqueue_due_readers


class Command(BaseCommand):
    help = "Re-queue expired leases, due retries and waiting events once."

    def handle(self, *args, **options) -> None:
        result = delivery_sweep()
        forget_old_counters()  # as the scheduled sweep (hooks.tasks.sweep) does
        readers = enqueue_due_readers()
        self.stdout.write(
            f"{result.expired_leases} expired lease(s), {result.due_retries} due retry(ies), "
            f"{result.hooks_with_stale_matches} hook(s) with waiting events re-queued, "
            f"{readers} source reader(s) started."
        )
