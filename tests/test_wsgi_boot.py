"""The WSGI module a gunicorn worker imports at boot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_imports_the_urlconf_and_views_while_it_boots_not_in_its_first_request():
    code = (
        "import sys, hooksite.wsgi; "
        "print(all(name in sys.modules for name in "
        "('hooksite.urls', 'hooks.api.urls', 'hooks.api.event_views', 'hooks.views.hooks_list')))"
    )
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # as gunicorn starts it: wsgi.py sets it
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
