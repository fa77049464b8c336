"""django-q2 entry points: ids in, service calls out."""

from __future__ import annotations


def deliver_hook(hook_id: str) -> int:
    from hooks.delivery import deliver_hook as run

    return run(hook_id)


def retry_delivery(delivery_id: int) -> bool:
    from hooks.delivery import retry_delivery as run

    return run(delivery_id)


def resume_hook(hook_id: str) -> int:
    from hooks.recovery import resume_hook as run

    return run(hook_id)


def verify_hook(delivery_id: int, user_id: int | None, token_id: str | None) -> bool:
    from hooks.verification import run_verification

    return run_verification(delivery_id=delivery_id, user_id=user_id, token_id=token_id)


def sweep() -> str:
    from hooks.sweeper import delivery_sweep

    return str(delivery_sweep())


def send_preview(delivery_id: int) -> bool:
    from hooks.preview import run_preview

    return run_preview(delivery_id)


def purge() -> str:
    from hooks.retention import scheduled_purge

    return str(scheduled_purge())
