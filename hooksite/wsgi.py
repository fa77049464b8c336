"""WSGI entry point (gunicorn hooksite.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hooksite.settings")
application = get_wsgi_application()
# Import the URLconf (and with it every view, DRF and the API schema) now, while the worker
# boots, not in its first request: that cost ~250 ms of CPU per gunicorn worker, paid by
# whichever request came first (and by the first seconds of every benchmark run).
get_resolver().url_patterns  # noqa: B018 - the import is the point
