"""The one retry policy: which outcomes are final, and when to try again.

2xx succeeds. 4xx is final except 408 and 429. 5xx, timeouts and connection
errors retry: the first retry is immediate (Okta's behaviour), the rest follow
HOOKS_RETRY_SCHEDULE with +/-20 % jitter, never earlier than a Retry-After.
A refused destination (SSRF guard) is final: retrying cannot change the answer.

Giving up needs both the steps and the time of the schedule used up: a delivery is
FAILED when a try fails after every step was taken *and* at least the schedule's total
(about 22 hours by default) after its first try. A failing hook is also probed once a
minute (hooks.delivery.recovery) and each probe is a recorded attempt, so counting attempts alone
would let a quarter of an hour of probes use up a day's schedule; time alone would make
a schedule of seconds (tests) end before its steps. Without probes the steps and the
time run out together, as before, except that a delivery whose jittered steps came out
short gets one last try when the schedule's time is up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

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


def decide(
    result,
    *,
    attempts_made: int,
    first_attempt_at: datetime | None = None,
    now: datetime | None = None,
) -> Decision:
    """Decide after the `attempts_made`-th attempt of a delivery produced `result`;
    `first_attempt_at` is when its first attempt started."""
    if result.ok:
        return Decision(succeeded=True)
    if result.status_code == 410:
        return Decision(final=True, gone=True)
    if not is_retryable(result):
        return Decision(final=True)
    schedule = settings.HOOKS_RETRY_SCHEDULE
    retry_index = attempts_made - 1
    if retry_index < len(schedule):
        delay = schedule[retry_index]
        if delay > 0:
            delay *= random.uniform(1 - JITTER, 1 + JITTER)
    else:
        # Every step was taken (probes are attempts too), but the schedule's time may not
        # have run out: the last try is made when it does. Without a first try on record
        # the steps alone decide.
        if first_attempt_at is None:
            return Decision(final=True)
        elapsed = ((now or timezone.now()) - first_attempt_at).total_seconds()
        delay = give_up_after() - elapsed
        if delay <= 0:
            return Decision(final=True)
    if result.retry_after is not None:
        delay = max(delay, min(result.retry_after, MAX_RETRY_AFTER))
    return Decision(delay=delay)


def give_up_after() -> float:
    """Seconds after a delivery's first try from which a failed try is its last: the
    schedule's total."""
    return float(sum(settings.HOOKS_RETRY_SCHEDULE))


def max_attempts() -> int:
    return 1 + len(settings.HOOKS_RETRY_SCHEDULE)
