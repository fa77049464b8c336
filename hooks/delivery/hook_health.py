"""Delivery health of a hook: counters on the hook row, 410 and auto-deactivation.

Deactivating is asked of the layer above through the `hook_unhealthy` signal
(hooks/delivery/signals.py): eventhooks.services does it and audits it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from hooks.delivery.signals import hook_unhealthy
from hooks.models import Delivery, EventHook
from hooks.systemlog.events import SYSTEM_ACTOR
from hooks.systemlog.publishing import audit_event

logger = logging.getLogger(__name__)


def record_success(hook: EventHook) -> None:
    """Mirror a successful delivery onto the hook and clear its failure streak.

    A hook already healthy whose success was written less than
    HOOKS_HEALTH_WRITE_INTERVAL seconds ago is not written again: a busy hook would
    otherwise cost an UPDATE per delivery just to move `last_delivery_at` by a few ms.
    """
    now = timezone.now()
    written_ago = (now - hook.last_success_at).total_seconds() if hook.last_success_at else -1.0
    if (
        hook.failing_since is None
        and hook.consecutive_failures == 0
        and hook.last_delivery_outcome == Delivery.Status.SUCCEEDED
        and 0 <= written_ago < settings.HOOKS_HEALTH_WRITE_INTERVAL
    ):
        return
    EventHook.objects.filter(pk=hook.pk).update(
        last_delivery_at=now,
        last_delivery_outcome=Delivery.Status.SUCCEEDED,
        last_success_at=now,
        consecutive_failures=0,
        failing_since=None,
    )
    hook.failing_since = None
    hook.consecutive_failures = 0
    hook.last_delivery_outcome = Delivery.Status.SUCCEEDED
    hook.last_delivery_at = hook.last_success_at = now


def record_failure(
    hook: EventHook, *, delivery: Delivery, result, exhausted: bool, gone: bool = False
) -> None:
    """Count a failed attempt; audit exhausted deliveries; deactivate on 410 or a long outage."""
    if delivery.kind != Delivery.Kind.EVENTS:
        return
    now = timezone.now()
    EventHook.objects.filter(pk=hook.pk).update(
        last_delivery_at=now,
        last_delivery_outcome=Delivery.Status.FAILED if exhausted else "RETRYING",
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), now),
    )
    hook.refresh_from_db(fields=["failing_since", "status", "consecutive_failures"])
    last_error = result.error or f"HTTP {result.status_code}"
    if exhausted:
        audit_event(
            event_type="event_hook.delivery",
            actor=dict(SYSTEM_ACTOR),
            hook=hook,
            outcome="FAILURE",
            reason=f"Delivery {delivery.envelope_id} failed after {delivery.attempt_count} "
            f"attempt(s): {last_error}"[:500],
            severity="WARN",
            debug_data={
                "eventId": str(delivery.envelope_id),
                "statusCode": result.status_code,
                "attempts": delivery.attempt_count,
            },
        )
    if hook.status != EventHook.Status.ACTIVE:
        return
    if gone:
        gone_reason = "The endpoint answered 410 Gone: it asked not to be called again."
        hook_unhealthy.send(sender=EventHook, hook=hook, reason=gone_reason)
        return
    outage = timedelta(seconds=settings.HOOKS_AUTO_DISABLE_AFTER)
    if hook.failing_since and now - hook.failing_since >= outage:
        outage_reason = (
            f"No successful delivery since {hook.failing_since:%Y-%m-%d %H:%M} UTC "
            f"({hook.consecutive_failures} failed attempts); last error: {last_error}"
        )[:500]
        hook_unhealthy.send(sender=EventHook, hook=hook, reason=outage_reason)
        logger.warning("hook %s deactivated after a long outage", hook.id)
