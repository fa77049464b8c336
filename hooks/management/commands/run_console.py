"""manage.py run_console: migrate, load the catalog, then run web server + worker cluster.

The one command behind `make run`. Both processes are children of this one:
Ctrl-C (or SIGTERM, to this process or to the whole group) stops both within 10 s, and if
either dies the other is stopped too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hooks.ops.org import serve_as_org, served_url

from ._orderly_cluster import kill_process_tree

# A stop must be over within 10 s (systemd, container runtimes): gunicorn's graceful
# timeout is 5 s and qcluster kills what still runs after 8 s, so this is a last resort.
STOP_DEADLINE = 9.5


class Command(BaseCommand):
    help = "Start the whole console: web server (gunicorn) and django-q2 worker cluster."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        # Sync workers: publishing is CPU-bound, and two requests sharing one process
        # share its GIL (bench/README.md measured 4 sync workers 6,074 events/s against
        # 2 workers x 4 threads 4,447). Four leave room for the API calls that wait on
        # the cluster (verify, preview) while others publish.
        parser.add_argument("--web-workers", type=int, default=4)
        parser.add_argument("--web-threads", type=int, default=1)

    def handle(self, *args, **options) -> None:
        host, port = options["host"], options["port"]
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_event_catalog", stdout=self.stdout)
        self._ensure_superuser()
        env = self.children_environment(host, port)
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hooksite.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(options["web_workers"]),
                "--threads",
                str(options["web_threads"]),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
            env=env,
        )
        worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], env=env)
        self._print_banner(host, port)
        self._supervise([web, worker])

    def children_environment(self, host: str, port: int) -> dict[str, str]:
        """Both children's environment: the worker cluster has no request to learn the
        console's address from, so unless HOOKS_ORG_URL is set it is told the one served
        (envelope `source` must name it, not a default port)."""
        env = dict(os.environ)
        env["HOOKS_ORG_URL"] = serve_as_org(served_url(host, port))
        return env

    def _ensure_superuser(self) -> None:
        """Create the super admin named by DJANGO_SUPERUSER_USERNAME/PASSWORD/EMAIL, once."""
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
        User = get_user_model()
        if username and not User.objects.filter(username=username).exists():
            if not os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
                self.stderr.write("DJANGO_SUPERUSER_PASSWORD is not set: no super admin created.")
                return
            call_command("createsuperuser", interactive=False, verbosity=0)
            self.stdout.write(f"Created super admin {username!r}.")

    def _print_banner(self, host: str, port: int) -> None:
        url = f"http://{host}:{port}/"
        has_admin = get_user_model().objects.filter(is_superuser=True).exists()
        lines = [
            "",
            f"Event Hooks Console: {url}",
            f"  API:       {url}api/v1/eventHooks   (docs: {url}api/v1/docs)",
            f"  Database:  {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}",
            "  Worker:    django-q2 cluster started (qcluster)",
        ]
        if has_admin:
            lines.append("  Log in with your super admin account.")
        else:
            lines += [
                "  No super admin yet. Create one in another terminal:",
                "    .venv/bin/python manage.py createsuperuser",
                "  or start with DJANGO_SUPERUSER_USERNAME / DJANGO_SUPERUSER_PASSWORD /",
                "  DJANGO_SUPERUSER_EMAIL set.",
            ]
        lines.append("  Stop with Ctrl-C.\n")
        self.stdout.write("\n".join(lines))

    def _supervise(self, children: list[subprocess.Popen]) -> None:
        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_DEADLINE
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                kill_process_tree(child.pid)  # its own children too: none is left behind
                child.wait()
        self.stdout.write("Stopped.")
