"""manage.py runserver that tells workers the address it serves.

Django's development server, as django.contrib.staticfiles extends it, plus one thing:
once bound, unless HOOKS_ORG_URL is set, the address it serves becomes the org URL of this
process and is recorded for a qcluster started separately (see hooks/ops/org.py), so that
envelopes name it in `source`.

INSTALLED_APPS lists `hooks` between `whitenoise.runserver_nostatic` and
`django.contrib.staticfiles`: whitenoise's command wraps the next runserver below it,
which is this one, so `--nostatic` stays the default (whitenoise serves static files).
"""

from __future__ import annotations

from django.contrib.staticfiles.management.commands.runserver import (
    Command as StaticfilesRunserver,
)
from django.db import connection

from hooks.ops.org import serve_as_org, served_url


class Command(StaticfilesRunserver):
    addr: str  # set by runserver's handle() (not in the stubs)

    def on_bind(self, server_port: int) -> None:
        super().on_bind(server_port)
        # server_port is the port really bound (runserver accepts port 0).
        serve_as_org(served_url(self.addr, server_port))
        connection.close()  # this thread goes on to serve; it needs no connection of its own
