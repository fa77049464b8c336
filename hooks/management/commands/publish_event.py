"""manage.py publish_event TYPE [--actor ...] [--target ...] [--count N]: publish test events."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hooks.log_events import EventValidationError, refuse_console_only_types
from hooks.publishing import MAX_EVENTS_PER_PUBLISH, event_publish


def _principal(text: str, default_type: str) -> dict:
    """Parse 'alternateId' or 'type:alternateId' into a LogEvent actor/target entry."""
    kind, _, alternate_id = text.rpartition(":") if ":" in text else (default_type, "", text)
    return {"id": None, "type": kind or default_type, "alternateId": alternate_id,
            "displayName": alternate_id, "detailEntry": None}  # fmt: skip


class Command(BaseCommand):
    help = "Publish one or more events of TYPE into the System Log (delivered to matching hooks)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "event_type", help="An event type from the catalog, e.g. user.lifecycle.create"
        )
        parser.add_argument("--actor", default="", help="Actor alternateId, or TYPE:alternateId")
        parser.add_argument("--target", action="append", default=[],
                            help="Target alternateId or TYPE:alternateId (repeatable)")  # fmt: skip
        parser.add_argument("--count", type=int, default=1, help="How many events (default 1)")

    def handle(self, *args, **options) -> None:
        count = options["count"]
        if count < 1:
            raise CommandError("--count must be at least 1.")
        template = {"eventType": options["event_type"]}
        try:
            refuse_console_only_types([template])
        except EventValidationError as error:
            raise CommandError("; ".join(error.causes)) from None
        if options["actor"]:
            template["actor"] = _principal(options["actor"], "User")
        if options["target"]:
            template["target"] = [_principal(t, "User") for t in options["target"]]
        stored = matched = 0
        remaining = count
        try:
            while remaining:
                chunk = min(remaining, MAX_EVENTS_PER_PUBLISH)
                result = event_publish(events=[dict(template) for _ in range(chunk)])
                stored += len(result.events)
                matched += result.match_count
                remaining -= chunk
        except EventValidationError as error:
            raise CommandError("; ".join(error.causes)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Published {stored} {options['event_type']} event(s); {matched} delivery "
            "match(es) queued."
        ))  # fmt: skip
