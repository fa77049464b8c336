"""Small helpers shared by the console views."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from hooks.lib.encryption import decrypt, encrypt
from hooks.lib.timestamps import parse_timestamp
from hooks.models import EventHook

_SECRET_KEY = "hooks.reveal"


class HtmxHttpRequest(HttpRequest):
    """A request as HtmxMiddleware leaves it (for type checkers)."""

    htmx: HtmxDetails


def get_hook(hook_id: str) -> EventHook:
    """The hook with this id, or 404."""
    return get_object_or_404(EventHook, pk=hook_id)


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` address of a POST (or GET) when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else default


def flash_secret(request: HttpRequest, *, kind: str, owner: str, value: str) -> None:
    """Keep a secret for exactly the next page view that asks for it (the one-time reveal).

    It is encrypted like every stored secret: sessions live in the database.
    """
    request.session[_SECRET_KEY] = {"kind": kind, "owner": owner, "value": encrypt(value)}


def pop_secret(request: HttpRequest, *, kind: str, owner: str | None = None) -> str | None:
    """Return the flashed secret of `kind` (and `owner`) and forget it; None when there is none."""
    stored = request.session.get(_SECRET_KEY)
    if not stored or stored.get("kind") != kind:
        return None
    if owner is not None and stored.get("owner") != owner:
        return None
    del request.session[_SECRET_KEY]
    return decrypt(stored.get("value") or "")


def parse_moment(raw: str | None) -> datetime | None:
    """A datetime from a query parameter: ISO-8601 or the `datetime-local` input's form."""
    if not raw:
        return None
    return parse_timestamp(raw.strip())


def is_setup(request: HttpRequest) -> bool:
    """True inside the creation flow (details → filters → preview → verify & activate)."""
    return (request.GET.get("setup") or request.POST.get("setup")) == "1"


TABS = (
    ("overview", "Overview", "hooks:hook-detail"),
    ("filters", "Filters", "hooks:hook-filters"),
    ("preview", "Preview", "hooks:hook-preview"),
    ("deliveries", "Deliveries", "hooks:hook-deliveries"),
    ("activity", "Activity", "hooks:hook-activity"),
    ("activate", "Verification", "hooks:hook-activate-step"),
)
STEPS = (
    (1, "Details", "hooks:hook-detail"),
    (2, "Filters (optional)", "hooks:hook-filters"),
    (3, "Preview (optional)", "hooks:hook-preview"),
    (4, "Verify & activate", "hooks:hook-activate-step"),
)


def hook_page(request: HttpRequest, hook: EventHook, tab: str, **extra) -> dict:
    """Context shared by a hook's tabs: the hook, tabs or steps, and a one-time secret."""
    return {
        "hook": hook,
        "tab": tab,
        "tabs": TABS,
        "steps": STEPS,
        "setup": is_setup(request),
        # Fragments never consume the one-time reveal: only a full page can show it.
        "signing_secret": None
        if getattr(request, "htmx", False)
        else pop_secret(request, kind="signing", owner=hook.id),
        **extra,
    }
