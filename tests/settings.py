"""Settings for the test suite: the production settings with development mode switched on
explicitly, as `make run` does.

hooksite.settings defaults to production behaviour (DEBUG off, no loopback receivers, and
no start without a real DJANGO_SECRET_KEY). The suite needs development mode at import time
(plain static files storage, the development key, receivers on 127.0.0.1), so it is set
here, in the environment, where the qcluster and web processes the integration tests start
(tests/cluster.py) inherit it too. pytest-django still runs each test with DEBUG off.
"""

import os

os.environ["DJANGO_DEBUG"] = "1"
os.environ["HOOKS_TESTING"] = "1"
os.environ.setdefault("HOOKS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")

from hooksite.settings import *  # noqa: F403
