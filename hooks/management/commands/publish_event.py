"""manage.py publish_event TYPE [--actor ...] [--target ...] [--count N]: publish test events.

Each event is the catalog's sample for TYPE filled with realistic made-up values
(hooks/catalog/realistic.py): Okta-style actor and target ids, a client with an IP address
and user agent, request.ipChain, authentication, security and debug contexts and a
transaction, so a receiver that reads `target[].id` or `client.ipAddress` works from the
start. `uuid` and `published` are fresh per event.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from hooks.catalog import get_catalog_entry
from hooks.catalog.realistic import party, realistic_log_event
from hooks.systemlog.events import EventValidationError, actor_for_user, refuse_console_only_types
from hooks.systemlog.publishing import MAX_EVENTS_PER_PUBLISH, event_publish


def principal(text: str, default_type: str) -> dict:
    """Parse 'alternateId' or 'TYPE:alternateId' into a LogEvent actor/target entry.

    A User that is a console user (by email or username) gets that user's `00u…` id, the
    one the console's own events use; any other principal gets an id that is the same
    every time for its type and alternateId.
    """
    kind, _, alternate_id = text.rpartition(":") if ":" in text else (default_type, "", text)
    kind = kind or default_type
    if kind == "User":
        user = (
            get_user_model()
            .objects.filter(Q(email__iexact=alternate_id) | Q(username=alternate_id))
            .first()
        )
        if user is not None:
            entry = actor_for_user(user)
            return party("User", alternate_id, entry["displayName"], id_=entry["id"])
    return party(kind, alternate_id)


class Command(BaseCommand):
    help = "Publish one or more realistic events of TYPE into the System Log (delivered to hooks)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "event_type", help="An event type from the catalog, e.g. user.lifecycle.create"
        )
        parser.add_argument(
            "--actor", default="", help="Actor alternateId, or TYPE:alternateId (default: made up)"
        )
        parser.add_argument(
            "--target",
            action="append",
            default=[],
            help="Target alternateId or TYPE:alternateId (repeatable; "
            "default: one made-up target per catalog target type)",
        )
        parser.add_argument("--count", type=int, default=1, help="How many events (default 1)")

    def handle(self, *args, **options) -> None:
        event_type, count = options["event_type"], options["count"]
        if count < 1:
            raise CommandError("--count must be at least 1.")
        try:
            refuse_console_only_types([{"eventType": event_type}])
        except EventValidationError as error:
            raise CommandError("; ".join(error.causes)) from None
        entry = get_catalog_entry(event_type)
        actor_type = entry["actor_type"] if entry else "User"
        actor = principal(options["actor"], actor_type) if options["actor"] else None
        targets = [principal(text, "User") for text in options["target"]] or None
        stored = matched = 0
        remaining = count
        try:
            while remaining:
                chunk = min(remaining, MAX_EVENTS_PER_PUBLISH)
                events = [
                    realistic_log_event(event_type, actor=actor, targets=targets)
                    for _ in range(chunk)
                ]
                result = event_publish(events=events)
                stored += len(result.events)
                matched += result.match_count
                remaining -= chunk
        except EventValidationError as error:
            raise CommandError("; ".join(error.causes)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Published {stored} {event_type} event(s); {matched} delivery match(es) queued."
            )
        )
