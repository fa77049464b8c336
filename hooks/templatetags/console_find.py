"""Template filters of the console's wording: relative times and a hook's delivery state."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

JUST_NOW_SECONDS = 60  # "0 minutes ago" reads like a bug; under a minute is "just now"


@register.filter
def ago(moment: datetime | None) -> str:
    """A moment in words: just now, 1 minute ago, 3 hours ago (one unit, correct plurals)."""
    if moment is None:
        return ""
    now = timezone.now()
    if abs((now - moment).total_seconds()) < JUST_NOW_SECONDS:
        return "just now"
    if moment > now:
        return f"in {timesince(now, moment, depth=1)}"
    return f"{timesince(moment, now, depth=1)} ago"


@register.filter
def delivery_state(hook) -> str:
    """The state of the hook's deliveries, its "Health" on the console: failing (its last
    attempts failed), ok (delivering), idle (never sent)."""
    if hook.consecutive_failures or hook.failing_since:
        return "failing"
    return "idle" if hook.last_delivery_at is None else "ok"
