"""manage.py create_api_token --user NAME --name LABEL: prints the token alone on its last line."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from hooks.access.tokens import token_create


class Command(BaseCommand):
    help = "Create an API token for a user. The token is shown once, alone on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="Username of the token's owner")
        parser.add_argument("--name", default="API token", help="A label to recognise it by")

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["user"]})
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['user']!r}.") from None
        if not user.is_superuser:
            self.stderr.write(
                self.style.WARNING(
                    f"{user} is not a super admin: the token will get 403 on /api/v1/eventHooks."
                )
            )
        row, token = token_create(user=user, name=options["name"])
        self.stdout.write(f"Created API token {row.id} ({row.name}) for {user}.")
        self.stdout.write("Keep it now; it cannot be shown again:")
        self.stdout.write(token)
