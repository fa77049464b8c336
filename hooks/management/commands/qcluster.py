"""manage.py qcluster: django-q2's worker cluster, stopping in order within 8 s.

Shadows django_q's own `qcluster` (hooks is listed before django_q in INSTALLED_APPS) so
that the command the README and the systemd unit run is the one that stops cleanly when
SIGTERM reaches every one of its processes at once. Why and how: _orderly_cluster.py.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ._orderly_cluster import FORCE_AFTER, OrderlyCluster, SentinelDied


class Command(BaseCommand):
    help = (
        "Start a django-q2 worker cluster. SIGTERM or SIGINT (to the main process or to "
        f"every process at once) stops it in order; what still runs after {FORCE_AFTER:.0f} s "
        "is killed, and the sweeper re-sends its deliveries."
    )

    def add_arguments(self, parser) -> None:
        # The options of django_q's qcluster, unchanged.
        parser.add_argument("--run-once", action="store_true", help="Start, then stop.")
        parser.add_argument(
            "-n",
            "--name",
            dest="cluster_name",
            default=None,
            help="Another cluster (queue) name than Q_CLUSTER's.",
        )

    def handle(self, *args, **options) -> None:
        settings.SECRET_KEY  # noqa: B018 - django_q refuses to start without it (signing)
        if options["cluster_name"]:
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = OrderlyCluster()
        try:
            cluster.start()
            if options["run_once"]:
                cluster.stop()
                return
            cluster.run_until_stopped()
        except SentinelDied as error:
            # A non-zero exit: a supervisor (Restart=always) starts a new cluster.
            raise CommandError(f"The worker cluster stopped unexpectedly: {error}") from None
