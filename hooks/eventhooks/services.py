"""Writes on event hooks: create, replace, activate, deactivate, delete, rotate secrets.

Every change is validated by hooks.eventhooks.validation, saved in one transaction and
audited in the System Log as the matching `event_hook.*` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hooks.delivery.recovery import send_backlog_now
from hooks.eventhooks.validation import HookSpec, check_active_limit, validate_hook_spec
from hooks.lib import encryption
from hooks.models import EventHook
from hooks.outbound import signing
from hooks.systemlog.events import actor_for_user, user_external_id
from hooks.systemlog.publishing import audit_event


@dataclass(frozen=True)
class Actor:
    """Who is acting: a console user, an API token's owner, or the system."""

    user: User | None = None
    token_id: str | None = None

    def log_actor(self) -> dict:
        return actor_for_user(self.user)

    def transaction_detail(self) -> dict:
        return {"requestApiTokenId": self.token_id} if self.token_id else {}


SYSTEM = Actor()


def audit_hook_event(event_type: str, hook: EventHook, actor: Actor, **extra) -> None:
    """Write the `event_hook.*` entry for a change `actor` made to `hook` (verification too)."""
    audit_event(
        event_type=event_type,
        actor=actor.log_actor(),
        hook=hook,
        transaction_detail=actor.transaction_detail(),
        **extra,
    )


def _apply_spec(hook: EventHook, spec: HookSpec) -> bool:
    """Copy `spec` onto `hook`; return True when the channel (what verification proved) changed."""
    auth_value_changed = spec.auth_value is not None and spec.auth_value != hook.auth_value
    channel_changed = (
        hook.uri != spec.uri
        or hook.headers != spec.headers
        or hook.auth_key != spec.auth_key
        or auth_value_changed
    )
    if spec.auth_value is not None:
        hook.set_auth_value(spec.auth_value)
    elif spec.auth_key != hook.auth_key:
        # A new header name without a value: the old secret belonged to the old header.
        hook.set_auth_value("")
    hook.name = spec.name
    hook.description = spec.description
    hook.event_types = list(dict.fromkeys(spec.event_types))
    hook.filters = dict(spec.filters)
    hook.uri = spec.uri
    hook.headers = [{"key": h["key"], "value": h["value"]} for h in spec.headers]
    hook.auth_key = spec.auth_key
    return channel_changed


def hook_create(*, spec: HookSpec, actor: Actor) -> tuple[EventHook, str]:
    """Create an ACTIVE, UNVERIFIED hook; return it and its signing secret (shown once)."""
    validate_hook_spec(spec)
    status = spec.status or EventHook.Status.ACTIVE
    secret = signing.generate_secret()
    with transaction.atomic():
        if status == EventHook.Status.ACTIVE:
            check_active_limit()
        hook = EventHook(status=status)
        _apply_spec(hook, spec)
        hook.signing_secret_encrypted = encryption.encrypt(secret)
        if actor.user is not None:
            hook.created_by = actor.user
            hook.created_by_external_id = user_external_id(actor.user)
        hook.save()
        audit_hook_event("event_hook.created", hook, actor)
    return hook, secret


def hook_replace(*, hook: EventHook, spec: HookSpec, actor: Actor) -> EventHook:
    """Replace every user-settable field (PUT); a channel change resets verification."""
    validate_hook_spec(spec, instance=hook)
    with transaction.atomic():
        hook = EventHook.objects.select_for_update().get(pk=hook.pk)
        if spec.status == EventHook.Status.ACTIVE and hook.status != spec.status:
            check_active_limit(exclude=hook)
        if _apply_spec(hook, spec):
            hook.verification_status = EventHook.Verification.UNVERIFIED
        if spec.status is not None and spec.status != hook.status:
            hook.status = spec.status
            if spec.status == EventHook.Status.ACTIVE:
                hook.disabled_reason = ""
        hook.version = F("version") + 1
        hook.save()
        hook.refresh_from_db()
        audit_hook_event("event_hook.updated", hook, actor)
    return hook


def hook_activate(*, hook: EventHook, actor: Actor) -> EventHook:
    """Set the hook ACTIVE (respecting HOOKS_MAX_ACTIVE); idempotent."""
    with transaction.atomic():
        hook = EventHook.objects.select_for_update().get(pk=hook.pk)
        if hook.status != EventHook.Status.ACTIVE:
            check_active_limit(exclude=hook)
        hook.status = EventHook.Status.ACTIVE
        hook.disabled_reason = ""
        hook.failing_since = None
        hook.consecutive_failures = 0
        hook.version = F("version") + 1
        hook.save()
        hook.refresh_from_db()
        audit_hook_event("event_hook.activated", hook, actor)
    # Retries and matches that waited while the hook was inactive (or failing) go now,
    # oldest first, not at the next sweep or the schedule's next step.
    if hook.is_deliverable:
        send_backlog_now(hook.pk)
    return hook


def hook_deactivate(
    *, hook: EventHook, actor: Actor, reason: str = "", audit_type: str = "event_hook.deactivated"
) -> EventHook:
    """Set the hook INACTIVE; `reason` is kept when the system did it (auto-disable, 410)."""
    with transaction.atomic():
        hook = EventHook.objects.select_for_update().get(pk=hook.pk)
        hook.status = EventHook.Status.INACTIVE
        hook.disabled_reason = reason
        hook.version = F("version") + 1
        hook.save()
        hook.refresh_from_db()
        extra = {"reason": reason, "severity": "WARN"} if reason else {}
        audit_hook_event(audit_type, hook, actor, **extra)
    return hook


class HookIsActive(Exception):
    """Only INACTIVE hooks can be deleted."""


def hook_delete(*, hook: EventHook, actor: Actor) -> None:
    """Delete an INACTIVE hook and its deliveries; raise HookIsActive otherwise."""
    with transaction.atomic():
        hook = EventHook.objects.select_for_update().get(pk=hook.pk)
        if hook.status == EventHook.Status.ACTIVE:
            raise HookIsActive(hook.id)
        # The audit entry is written first: its target describes the hook as it was.
        audit_hook_event("event_hook.deleted", hook, actor)
        hook.delete()


def hook_rotate_signing_secret(*, hook: EventHook, actor: Actor) -> tuple[EventHook, str]:
    """Give the hook a new signing secret; the old one keeps signing for a grace period."""
    secret = signing.generate_secret()
    with transaction.atomic():
        hook = EventHook.objects.select_for_update().get(pk=hook.pk)
        hook.previous_signing_secret_encrypted = hook.signing_secret_encrypted
        hook.previous_signing_secret_expires_at = timezone.now() + timedelta(
            seconds=settings.HOOKS_SIGNING_SECRET_GRACE
        )
        hook.signing_secret_encrypted = encryption.encrypt(secret)
        hook.version = F("version") + 1
        hook.save()
        hook.refresh_from_db()
        audit_hook_event(
            "event_hook.updated", hook, actor, debug_data={"change": "signingSecret.rotate"}
        )
    return hook, secret
