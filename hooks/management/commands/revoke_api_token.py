"""manage.py revoke_api_token ID: revoke an API token by its 00T… id."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hooks.access.tokens import token_revoke
from hooks.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token by its id (00T…)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("token_id", help="The token's id, as shown when it was created")

    def handle(self, *args, **options) -> None:
        token = ApiToken.objects.filter(pk=options["token_id"]).first()
        if token is None:
            raise CommandError(f"No API token with id {options['token_id']!r}.")
        token_revoke(token=token)
        self.stdout.write(self.style.SUCCESS(f"Revoked API token {token.id} ({token.name})."))
