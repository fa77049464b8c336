"""manage.py redeliver HOOK_ID [--status FAILED] [--since ...] [--until ...]: redeliver by query."""

from __future__ import annotations

from typing import TextIO, cast

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hooks.delivery.redelivery import HookNotDeliverable, deliveries_redeliver, ensure_deliverable
from hooks.lib.timestamps import parse_timestamp
from hooks.models import Delivery, EventHook
from hooks.selectors import deliveries_matching


class Command(BaseCommand):
    help = "Queue a new delivery for every delivery of a hook that matches the query."

    def add_arguments(self, parser) -> None:
        parser.add_argument("hook_id", help="The event hook's id (who…)")
        parser.add_argument(
            "--status",
            default="FAILED",
            choices=list(Delivery.Status.values),
            help="Only deliveries in this status (default FAILED)",
        )
        parser.add_argument("--since", help="ISO-8601: created at or after")
        parser.add_argument("--until", help="ISO-8601: created before")
        parser.add_argument("--dry-run", action="store_true", help="Only count")

    def handle(self, *args, **options) -> None:
        hook = EventHook.objects.filter(pk=options["hook_id"]).first()
        if hook is None:
            raise CommandError(f"No event hook with id {options['hook_id']!r}.")
        times = {}
        for name in ("since", "until"):
            raw = options[name]
            times[name] = parse_timestamp(raw) if raw else None
            if raw and times[name] is None:
                raise CommandError(f"--{name} {raw!r} is not an ISO-8601 timestamp.")
        rows = deliveries_matching(hook=hook, status=options["status"], **times)
        total = rows.count()
        if options["dry_run"] or total == 0:
            self.stdout.write(f"{total} delivery(ies) match.")
            return
        try:
            ensure_deliverable(hook)  # before the progress bar: the service would refuse
        except HookNotDeliverable as error:
            raise CommandError(str(error)) from None
        # The raw stream: OutputWrapper would end each of tqdm's redraws with a newline.
        stream = cast(TextIO, self.stderr._out)
        with tqdm(
            total=total, unit="delivery", file=stream, disable=not self.stderr.isatty()
        ) as progress:
            deliveries_redeliver(
                hook=hook,
                deliveries=rows.iterator(chunk_size=500),
                on_progress=lambda _: progress.update(1),
            )
        self.stdout.write(self.style.SUCCESS(f"Queued {total} redelivery(ies) for {hook.name}."))
