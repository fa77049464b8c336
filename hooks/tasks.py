"""django-q2 entry points: ids in, service calls out."""

from __future__ import annotations


def deliver_hook(hook_id: str) -> int:
    from hooks.delivery.sender import deliver_hook as run

    return run(hook_id)


def retry_delivery(delivery_id: int) -> bool:
    from hooks.delivery.sender import retry_delivery as run

    return run(delivery_id)


def verify_hook(delivery_id: int, user_id: int | None, token_id: str | None) -> bool:
    from hooks.eventhooks.verification import run_verification

    return run_verification(delivery_id=delivery_id, user_id=user_id, token_id=token_id)


def sweep() -> str:
    from hooks.delivery.sweeper import delivery_sweep
    from hooks.sources.reader import enqueue_due_readers

    result = str(delivery_sweep())
    # System Log readers whose task ended (a wait, an error, a killed worker).
    return f"{result}, {enqueue_due_readers()} source reader(s) started"


def send_preview(delivery_id: int) -> bool:
    from hooks.eventhooks.preview import run_preview

    return run_preview(delivery_id)


def purge() -> str:
    from hooks.ops.retention import scheduled_purge

    return str(scheduled_purge())


def read_source(source_id: str) -> int:
    from hooks.sources.reader import read_source as run

    return run(source_id)
