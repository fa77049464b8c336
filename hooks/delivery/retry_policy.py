"""The one retry policy: which outcomes are final, and when to try again.

2xx succeeds. 4xx is final except 408 and 429. 5xx, timeouts and connection
errors retry: the first retry is immediate (Okta's behaviour), the rest follow
HOOKS_RETRY_SCHEDULE with +/-20 % jitter, never earlier than a Retry-After.
A refused destination (SSRF guard) is final: retrying cannot change the answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.conf import settings

MAX_RETRY_AFTER = 24 * 3600.0
JITTER = 0.2


@dataclass(frozen=True)
class Decision:
    """What to do after an attempt: succeed, give up, or retry after `delay` seconds."""

    succeeded: bool = False
    final: bool = False
    delay: float | None = None
    gone: bool = False  # 410: the endpoint asked never to be called again


def is_retryable(result) -> bool:
    if result.blocked:
        return False
    if result.status_code is None:
        return True
    return result.status_code >= 500 or result.status_code in (408, 429)


def decide(result, *, attempts_made: int) -> Decision:
    """Decide after the `attempts_made`-th attempt of a delivery produced `result`."""
    if result.ok:
        return Decision(succeeded=True)
    if result.status_code == 410:
        return Decision(final=True, gone=True)
    if not is_retryable(result):
        return Decision(final=True)
    schedule = settings.HOOKS_RETRY_SCHEDULE
    retry_index = attempts_made - 1
    if retry_index >= len(schedule):
        return Decision(final=True)
    delay = schedule[retry_index]
    if delay > 0:
        delay *= random.uniform(1 - JITTER, 1 + JITTER)
    if result.retry_after is not None:
        delay = max(delay, min(result.retry_after, MAX_RETRY_AFTER))
    return Decision(delay=delay)


def max_attempts() -> int:
    return 1 + len(settings.HOOKS_RETRY_SCHEDULE)
