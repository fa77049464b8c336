"""At most HOOKS_MAX_SENDERS_PER_HOOK tasks send one hook's outbox at a time.

Every publish enqueues a task per matched hook, and nothing tells a task that the hook's
endpoint has just stopped answering: at the onset of an outage each of them would wait
out the timeout (and Okta's immediate retry), and a hook with events to spare would hold
every worker while other hooks' events wait. A task must hold one of the hook's sender
slots to claim its outbox; one that finds them all taken returns at once, since the
holders keep claiming while events wait. By default a hook may use every worker but one.

A slot is a row (hooks.models.SenderSlot) taken by compare-and-set and held until
released or until its lease runs out (a holder that died). A holder that releases must
look for unclaimed events once more: a task turned away while the slot was held had
counted on it (hooks.delivery.sender.deliver_hook does).
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from hooks.lib import sql as prepared_sql
from hooks.models import OutboxEntry, SenderSlot


def _lease_seconds() -> float:
    return float(settings.HOOKS_LEASE_SECONDS)


class Slot:
    """A sender slot held by this task: keep() extends its lease, release() frees it."""

    def __init__(self, hook_id: str, number: int, holder: str):
        self.hook_id, self.number, self.holder = hook_id, number, holder
        self.renewed = time.monotonic()

    def _mine(self):
        return SenderSlot.objects.filter(
            hook_id=self.hook_id, number=self.number, holder=self.holder
        )

    def keep(self) -> None:
        """Extend the lease once a quarter of it has gone (a holder sending a long backlog
        must not lose its slot to the expiry meant for dead holders)."""
        if time.monotonic() - self.renewed < _lease_seconds() / 4:
            return
        self._mine().update(expires_at=timezone.now() + timedelta(seconds=_lease_seconds()))
        self.renewed = time.monotonic()

    def release(self) -> None:
        # Only our own row: after an expiry the slot may be another task's now.
        self._mine().delete()


def take(hook_id: str) -> Slot | None:
    """One of the hook's free sender slots, or None when all are held."""
    limit = max(1, settings.HOOKS_MAX_SENDERS_PER_HOOK)
    now = timezone.now()
    # A read first: a task turned away (the usual case for a busy hook) writes nothing.
    held = set(
        SenderSlot.objects.filter(hook_id=hook_id, expires_at__gte=now).values_list(
            "number", flat=True
        )
    )
    holder = uuid.uuid4().hex
    expires_at = now + timedelta(seconds=_lease_seconds())
    for number in range(limit):
        if number in held:
            continue
        values = {"hook": hook_id, "number": number, "holder": holder, "expires_at": expires_at}
        if prepared_sql.insert_or_take_expired(
            SenderSlot, values, key=("hook", "number"), expiry="expires_at", now=now
        ):
            return Slot(hook_id, number, holder)
    return None


def events_waiting(hook_id: str) -> bool:
    """True while some of the hook's outbox entries are unclaimed (asked at the end of
    every task: an index lookup, whatever the hook's history)."""
    if connection.vendor == "sqlite":
        return prepared_sql.sqlite_has_unclaimed(
            OutboxEntry, index="match_unclaimed_idx", hook_id=hook_id
        )
    return OutboxEntry.objects.filter(hook_id=hook_id, delivery__isnull=True).exists()
