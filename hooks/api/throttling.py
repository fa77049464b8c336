"""Per-token rate limit with Okta's X-Rate-Limit-* headers.

A fixed one-minute window per token (or user, or client address) kept in
Django's cache. Okta's SDKs need `X-Rate-Limit-Reset` and `Date` on a 429 to
compute their back-off, so the window's reset time is always published.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60


class PerTokenRateThrottle(BaseThrottle):
    """Allow HOOKS_API_RATE_LIMIT requests per minute per token."""

    def _key(self, request) -> str:
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "pk"):
            return f"token:{token.pk}"
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"addr:{self.get_ident(request)}"

    def allow_request(self, request, view) -> bool:
        limit = settings.HOOKS_API_RATE_LIMIT
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        reset = (window + 1) * WINDOW_SECONDS
        key = f"hooks:api-rate:{self._key(request)}:{window}"
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        try:
            used = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
            used = 1
        self._wait = reset - now
        request._request.rate_limit = (limit, max(limit - used, 0), reset)
        return used <= limit

    def wait(self) -> float:
        return self._wait
