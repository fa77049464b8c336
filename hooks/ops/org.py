"""The org's base URL, used in `_links`, envelope `source` and console links.

HOOKS_ORG_URL names it; production requires it (system check hooks.E003). Without it, a
local server says which address it really serves: `run_console` (make run) and our
`runserver` adopt that address for their process and children, and record it as a
`web@<url>` heartbeat row, so that a qcluster started separately, which has no request to
look at, names the same address in `source` instead of a guess.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time

from django.conf import settings
from django.db import DatabaseError, transaction

from hooks.models import Heartbeat
from hooks.ops.heartbeat import beat

logger = logging.getLogger(__name__)

_DEFAULT = "http://127.0.0.1:8000"
# Heartbeat rows named web@<url>: a local web server serving <url> started at seen_at.
SERVED_PREFIX = "web@"
# Workers re-read the recorded address this often: one query per worker every few seconds
# on the delivery path, and a restarted runserver on another port is seen soon.
RECHECK_SECONDS = 5.0
# A wildcard bind serves every address of this machine; its loopback is the one that surely works.
_WILDCARD_TO_LOOPBACK = {"": "127.0.0.1", "0": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}

_recorded: tuple[float, str | None] | None = None  # (monotonic time read, address)


def org_url(request=None) -> str:
    """HOOKS_ORG_URL when set; else the request's scheme and host; else the address a local
    web server recorded; else a local default."""
    if settings.HOOKS_ORG_URL:
        return settings.HOOKS_ORG_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return recorded_served_url() or _DEFAULT


def served_url(host: str, port: int | str) -> str:
    """The http:// URL of a server bound to host:port (IPv6 in brackets)."""
    host = host.strip("[]")
    host = _WILDCARD_TO_LOOPBACK.get(host, host)
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a name, such as localhost
    return f"http://{host}:{port}"


def serve_as_org(url: str) -> str:
    """This process serves `url`: unless HOOKS_ORG_URL is set, make it the org URL of this
    process and of the children it starts, and record it for workers started elsewhere.
    Return the org URL in effect."""
    if settings.HOOKS_ORG_URL:
        return settings.HOOKS_ORG_URL
    settings.HOOKS_ORG_URL = url
    os.environ["HOOKS_ORG_URL"] = url
    record_served_url(url)
    return url


def record_served_url(url: str) -> bool:
    """Write the web@<url> heartbeat row; never raises (a database not migrated yet only
    means separately started workers keep the default)."""
    name = f"{SERVED_PREFIX}{url}"
    if len(name) > 100:  # Heartbeat.name's length: a cut URL would be a wrong one
        logger.warning("served address %s is too long to record; set HOOKS_ORG_URL", url)
        return False
    return beat(name, every=0)


def recorded_served_url() -> str | None:
    """The address the newest local web server recorded (read at most every RECHECK_SECONDS)."""
    global _recorded
    now = time.monotonic()
    if _recorded is not None and now - _recorded[0] < RECHECK_SECONDS:
        return _recorded[1]
    try:
        # A savepoint: callers build envelopes inside their claim transaction, which a
        # failed query must not poison (PostgreSQL).
        with transaction.atomic():
            name = (
                Heartbeat.objects.filter(name__startswith=SERVED_PREFIX)
                .order_by("-seen_at")
                .values_list("name", flat=True)
                .first()
            )
    except DatabaseError:
        logger.warning("could not read the recorded served address", exc_info=True)
        name = None
    _recorded = (now, name.removeprefix(SERVED_PREFIX) if name else None)
    return _recorded[1]


def forget_recorded_served_url() -> None:
    """Drop the cached recorded address (tests; the next call reads the database)."""
    global _recorded
    _recorded = None
