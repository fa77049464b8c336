"""The console's own event sources: Django auth signals become System Log events.

Users and groups created, changed or removed (in the admin, by a command or by
code), sign-ins and sign-outs are published like any other event, so hooks can
subscribe to them. The request being served (if any) gives the actor and the
client data; it is kept in a context variable by RequestContextMiddleware.
Publishing happens inside the caller's transaction: a rolled-back change
publishes nothing. A failure to publish is logged and never breaks the change.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from hooks.lib.client_address import client_address
from hooks.systemlog.events import actor_for_user, target_for_user
from hooks.systemlog.publishing import event_publish

logger = logging.getLogger(__name__)
current_request: contextvars.ContextVar = contextvars.ContextVar("hooks_request", default=None)


class RequestContextMiddleware:
    """Remember the request being served, for the actor and client of auth events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


def _client(request) -> dict | None:
    if request is None:
        return None
    meta = request.META
    return {
        "userAgent": {"rawUserAgent": meta.get("HTTP_USER_AGENT"), "os": None, "browser": None},
        "zone": None,
        "device": None,
        "id": None,
        "ipAddress": client_address(request),
        "geographicalContext": None,
    }


def _request_actor(request, fallback_user=None) -> dict:
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return actor_for_user(user)
    return actor_for_user(fallback_user)


def _group_target(group: Group) -> dict:
    return {
        "id": f"00g{group.pk:017d}",
        "type": "UserGroup",
        "alternateId": group.name,
        "displayName": group.name,
        "detailEntry": None,
    }


def publish_auth_event(
    event_type: str,
    *,
    targets: list[dict],
    actor_user=None,
    actor: dict | None = None,
    outcome: str = "SUCCESS",
    reason: str | None = None,
    debug: dict | None = None,
) -> None:
    """Publish one auth event; never raise (the user's change must not fail because of it).

    The actor is `actor` when given, else the signed-in user, else `actor_user`."""
    if not getattr(settings, "HOOKS_AUTH_EVENTS", True):
        return
    request = current_request.get()
    event: dict[str, Any] = {
        "eventType": event_type,
        "actor": actor or _request_actor(request, actor_user),
        "client": _client(request),
        "outcome": {"result": outcome, "reason": reason},
        "target": targets,
        "transaction": {"type": "WEB" if request else "JOB", "id": None, "detail": {}},
        "debugContext": {"debugData": debug or {}},
    }
    try:
        event_publish(events=[event])
    except Exception:  # see the module docstring
        logger.exception("could not publish %s", event_type)


User = get_user_model()


@receiver(pre_save, sender=User)
def _remember_user_state(sender, instance, **kwargs) -> None:
    if instance.pk:
        before = sender.objects.filter(pk=instance.pk).values("is_active", "password").first()
        instance._hooks_before = before


@receiver(post_save, sender=User)
def _user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    target = [target_for_user(instance)]
    if created:
        publish_auth_event("user.lifecycle.create", targets=target)
        return
    before = getattr(instance, "_hooks_before", None) or {}
    if before and before["is_active"] != instance.is_active:
        kind = "activate" if instance.is_active else "deactivate"
        publish_auth_event(f"user.lifecycle.{kind}", targets=target)
    if before and before["password"] != instance.password:
        publish_auth_event("user.account.update_password", targets=target, actor_user=instance)


@receiver(pre_delete, sender=User)
def _user_deleted(sender, instance, **kwargs) -> None:
    publish_auth_event("user.lifecycle.delete.initiated", targets=[target_for_user(instance)])


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    publish_auth_event("user.session.start", targets=[target_for_user(user)], actor_user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    # Okta names the attempted username as the actor of a failed sign-in, not the system.
    attempted = {
        "id": None,
        "type": "User",
        "alternateId": username,
        "displayName": "unknown",
        "detailEntry": None,
    }
    publish_auth_event(
        "user.session.start",
        targets=[attempted],
        actor=dict(attempted),
        outcome="FAILURE",
        reason="INVALID_CREDENTIALS",
        debug={"attemptedUsername": username},
    )


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        publish_auth_event("user.session.end", targets=[target_for_user(user)], actor_user=user)


@receiver(post_save, sender=Group)
def _group_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        publish_auth_event("group.lifecycle.create", targets=[_group_target(instance)])


@receiver(post_delete, sender=Group)
def _group_deleted(sender, instance, **kwargs) -> None:
    publish_auth_event("group.lifecycle.delete", targets=[_group_target(instance)])


@receiver(m2m_changed, sender=User.groups.through)
def _membership_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    kind = "add" if action == "post_add" else "remove"
    if reverse:  # group.user_set.add(user, ...)
        pairs = [(user, instance) for user in User.objects.filter(pk__in=pk_set)]
    else:  # user.groups.add(group, ...)
        pairs = [(instance, group) for group in Group.objects.filter(pk__in=pk_set)]
    for user, group in pairs:
        publish_auth_event(
            f"group.user_membership.{kind}",
            targets=[target_for_user(user), _group_target(group)],
        )
