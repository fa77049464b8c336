"""django-q2 entry points: ids in, service calls out.

Workers find these by their dotted names (hooks.tasks.deliver_hook, ...), stored in queued
tasks and schedules: keep the names and signatures stable.
"""

from __future__ import annotations

from hooks.api.throttling import forget_old_counters
from hooks.delivery import recovery, sender
from hooks.delivery.sweeper import delivery_sweep
from hooks.eventhooks.preview import run_preview
from hooks.eventhooks.verification import run_verification
from hooks.ops.retention import scheduled_purge
from hooks.sources import reader as source_reader
from hooks.sources.reader import enqueue_due_readers


def deliver_hook(hook_id: str) -> int:
    return sender.deliver_hook(hook_id)


def retry_delivery(delivery_id: int) -> bool:
    return recovery.retry_delivery(delivery_id)


def resume_hook(hook_id: str) -> int:
    return recovery.resume_hook(hook_id)


def verify_hook(delivery_id: int, user_id: int | None, token_id: str | None) -> bool:
    return run_verification(delivery_id=delivery_id, user_id=user_id, token_id=token_id)


def sweep() -> str:
    """Every minute: the delivery sweeper, forgetting API rate counters of past minutes, and
    starting System Log readers whose task ended (a wait, an error, a killed worker)."""
    forget_old_counters()
    result = str(delivery_sweep())
    return f"{result}, {enqueue_due_readers()} source reader(s) started"


def send_preview(delivery_id: int) -> bool:
    return run_preview(delivery_id)


def purge() -> str:
    return str(scheduled_purge())


def read_source(source_id: str) -> int:
    return source_reader.read_source(source_id)
