"""Small typed readers for environment variables that fail loudly on junk."""

from __future__ import annotations

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def env_str(name: str, default: str) -> str:
    """Return the variable's value, or `default` when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean; raise ImproperlyConfigured on anything but yes/no words."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, not {raw!r}")


def env_int(name: str, default: int) -> int:
    """Return an integer, raising ImproperlyConfigured on junk."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_float(name: str, default: float) -> float:
    """Return a float, raising ImproperlyConfigured on junk."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list with blanks dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_duration(text: str) -> float:
    """Return seconds for '90', '5s', '2m', '1h', '30d' or '250ms'."""
    match = _DURATION.match(str(text))
    if not match:
        raise ImproperlyConfigured(f"{text!r} is not a duration like 30s, 5m, 2h or 30d")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def check_secret_key(key: str, development_key: str, *, debug: bool) -> str:
    """Return `key`, unless it is the public development key outside development mode.

    The development key is in the source code and derives the at-rest encryption key,
    so a deploy that forgot DJANGO_SECRET_KEY must not start at all.
    """
    if debug or (key and key != development_key):
        return key
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set (or is the public development key) and DJANGO_DEBUG "
        "is off. In production set DJANGO_SECRET_KEY to 50 random characters, e.g. from "
        '`python -c "import secrets; print(secrets.token_urlsafe(50))"`; keep it secret '
        "and stable (it derives the key that encrypts secrets at rest). For local use set "
        "DJANGO_DEBUG=1 instead (`make run` does)."
    )
