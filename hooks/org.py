"""The org's base URL, used in `_links`, envelope `source` and console links."""

from __future__ import annotations

from django.conf import settings

_DEFAULT = "http://127.0.0.1:8000"


def org_url(request=None) -> str:
    """HOOKS_ORG_URL when set; else the request's scheme and host; else a local default."""
    if settings.HOOKS_ORG_URL:
        return settings.HOOKS_ORG_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return _DEFAULT
