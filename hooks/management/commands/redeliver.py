"""manage.py redeliver HOOK_ID [--status FAILED] [--since ...] [--until ...]: redeliver by
query; manage.py redeliver --hook HOOK_ID --pending: send the hook's pending deliveries now."""

from __future__ import annotations

from typing import TextIO, cast

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hooks.delivery.redelivery import (
    HookNotDeliverable,
    deliveries_redeliver,
    ensure_deliverable,
    send_pending_now,
)
from hooks.lib.timestamps import parse_timestamp
from hooks.models import Delivery, EventHook
from hooks.selectors import deliveries_matching


class Command(BaseCommand):
    help = (
        "Queue a new delivery for every delivery of a hook that matches the query, or with "
        "--pending send the hook's pending deliveries (and then its waiting events) now."
    )

    def add_arguments(self, parser) -> None:
        # The hook id stays positional, as it always was; --hook says the same for scripts.
        parser.add_argument("hook_id", nargs="?", help="The event hook's id (who…)")
        parser.add_argument(
            "--hook",
            dest="hook_option",
            metavar="ID",
            help="The event hook's id, instead of the positional one",
        )
        parser.add_argument(
            "--pending",
            action="store_true",
            help="Send every PENDING delivery of the hook now (no redelivery: the same "
            "deliveries, oldest first), then the events waiting for it",
        )
        parser.add_argument(
            "--status",
            choices=list(Delivery.Status.values),
            help="Only deliveries in this status (default FAILED)",
        )
        parser.add_argument("--since", help="ISO-8601: created at or after")
        parser.add_argument("--until", help="ISO-8601: created before")
        parser.add_argument("--dry-run", action="store_true", help="Only count")

    def handle(self, *args, **options) -> None:
        hook = self._hook(options)
        if options["pending"]:
            self._send_pending(hook, options)
            return
        times = {}
        for name in ("since", "until"):
            raw = options[name]
            times[name] = parse_timestamp(raw) if raw else None
            if raw and times[name] is None:
                raise CommandError(f"--{name} {raw!r} is not an ISO-8601 timestamp.")
        status = options["status"] or Delivery.Status.FAILED
        rows = deliveries_matching(hook=hook, status=status, **times)
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

    @staticmethod
    def _hook(options) -> EventHook:
        positional, named = options["hook_id"], options["hook_option"]
        if positional and named and positional != named:
            raise CommandError("Name one hook: the positional id or --hook, not two different.")
        hook_id = positional or named
        if not hook_id:
            raise CommandError("Which hook? Give its hook id (who…), positional or --hook.")
        hook = EventHook.objects.filter(pk=hook_id).first()
        if hook is None:
            raise CommandError(f"No event hook with id {hook_id!r}.")
        return hook

    def _send_pending(self, hook: EventHook, options) -> None:
        given = [f"--{name}" for name in ("status", "since", "until") if options[name]]
        if given:
            raise CommandError(f"--pending sends every pending delivery: drop {', '.join(given)}.")
        if options["dry_run"]:
            pending = Delivery.objects.filter(
                hook=hook, kind=Delivery.Kind.EVENTS, status=Delivery.Status.PENDING
            ).count()
            self.stdout.write(f"{pending} pending delivery(ies) would be sent now.")
            return
        try:
            queued = send_pending_now(hook=hook)
        except HookNotDeliverable as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Queued {queued} pending delivery(ies) of {hook.name} to be sent now, then the "
                "events waiting for it."
            )
        )
