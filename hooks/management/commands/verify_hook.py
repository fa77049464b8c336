"""manage.py verify_hook HOOK_ID: run the one-time verification (needs a running qcluster)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hooks.eventhooks.services import SYSTEM
from hooks.eventhooks.verification import VerificationFailed, hook_verify
from hooks.models import EventHook


class Command(BaseCommand):
    help = "Verify an event hook's endpoint through the worker cluster and print the outcome."

    def add_arguments(self, parser) -> None:
        parser.add_argument("hook_id", help="The event hook's id (who…)")

    def handle(self, *args, **options) -> None:
        hook = EventHook.objects.filter(pk=options["hook_id"]).first()
        if hook is None:
            raise CommandError(f"No event hook with id {options['hook_id']!r}.")
        try:
            hook = hook_verify(hook=hook, actor=SYSTEM)
        except VerificationFailed as failure:
            raise CommandError(f"Verification failed: {failure.cause}") from None
        self.stdout.write(self.style.SUCCESS(f"{hook.name} ({hook.id}) is VERIFIED."))
