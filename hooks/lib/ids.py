"""Okta-style identifiers: a three-character prefix plus 17 random base62 characters."""

from __future__ import annotations

import secrets
import string

BASE62 = string.digits + string.ascii_letters

HOOK_PREFIX = "who"
TOKEN_ID_PREFIX = "00T"
USER_PREFIX = "00u"
SOURCE_PREFIX = "0sr"  # ours: Okta has no sources; "0" + two letters, as Okta's own


def new_id(prefix: str, length: int = 17) -> str:
    """Return `prefix` followed by `length` random base62 characters (20 chars for Okta ids)."""
    return prefix + "".join(secrets.choice(BASE62) for _ in range(length))


def new_hook_id() -> str:
    """Return a fresh event hook id such as `whokwr4rnwl1qMMuk1d7`."""
    return new_id(HOOK_PREFIX)


def new_token_id() -> str:
    """Return a fresh API token id such as `00T8vt36qfNpCGz9H1e6`."""
    return new_id(TOKEN_ID_PREFIX)


def new_user_external_id() -> str:
    """Return a fresh external user id such as `00u5qwjvk7u6E1DFG1d7`."""
    return new_id(USER_PREFIX)


def new_source_id() -> str:
    """Return a fresh source id such as `0sr8vt36qfNpCGz9H1e6`."""
    return new_id(SOURCE_PREFIX)
