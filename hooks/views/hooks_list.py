"""The Event Hooks page and the per-row actions: verify, activate, deactivate, delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from hooks import selectors
from hooks.eventhooks.services import HookIsActive, hook_activate, hook_deactivate, hook_delete
from hooks.eventhooks.validation import HookValidationError
from hooks.eventhooks.verification import VerificationFailed, hook_verify
from hooks.models import EventHook
from hooks.views.auth import console_actor, superadmin_required
from hooks.views.common import HtmxHttpRequest, get_hook, safe_next


@require_GET
@superadmin_required
def hook_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every hook, active first by default; `?sort=name|-name|status|created|-created`."""
    sort = request.GET.get("sort", "status")
    if sort not in selectors.HOOK_SORTS:
        sort = "status"
    hooks, labels = selectors.hook_list(sort)
    context = {"hooks": hooks, "labels": labels, "sort": sort, "sorts": selectors.HOOK_SORTS}
    return render(request, "hooks/hook_list.html", context)


def _back(request: HtmxHttpRequest) -> HttpResponse:
    """Back to where the action was started (the list, or a hook page)."""
    target = safe_next(request, reverse("hooks:hook-list"))
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


@require_POST
@superadmin_required
def hook_verify_view(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """Run the one-time verification; the exact cause is shown when it fails."""
    hook = get_hook(hook_id)
    cause = None
    try:
        hook = hook_verify(hook=hook, actor=console_actor(request))
    except VerificationFailed as failure:
        cause = failure.cause
    if request.htmx and request.POST.get("fragment") == "verify":
        # `back`: the page the header's actions return to is the one the form was on.
        back = safe_next(request, reverse("hooks:hook-activate-step", args=[hook.id]))
        context = {"hook": hook, "cause": cause, "attempted": True, "back": back}
        return render(request, "hooks/_verify_result.html", context)
    if cause is None:
        messages.success(request, f"“{hook.name}” is verified.")
    else:
        messages.error(request, f"Verification of “{hook.name}” failed: {cause}")
    return _back(request)


@require_POST
@superadmin_required
def hook_activate_view(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """Set the hook ACTIVE (within HOOKS_MAX_ACTIVE)."""
    hook = get_hook(hook_id)
    try:
        hook = hook_activate(hook=hook, actor=console_actor(request))
    except HookValidationError as error:
        messages.error(request, " ".join(c.partition(": ")[2] or c for c in error.causes))
    else:
        messages.success(request, f"“{hook.name}” is active.")
    return _back(request)


@require_http_methods(["GET", "POST"])
@superadmin_required
def hook_deactivate_view(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """GET asks for confirmation; POST sets the hook INACTIVE: it receives no events until
    activated again. A confirmation page, not a script's confirm(), so that it asks
    without JavaScript too."""
    hook = get_hook(hook_id)
    if request.method == "GET":
        next_url = safe_next(request, reverse("hooks:hook-detail", args=[hook.id]))
        return render(
            request, "hooks/hook_confirm_deactivate.html", {"hook": hook, "next": next_url}
        )
    hook = hook_deactivate(hook=hook, actor=console_actor(request))
    messages.success(request, f"“{hook.name}” is inactive: it receives no events.")
    return _back(request)


@require_http_methods(["GET", "POST"])
@superadmin_required
def hook_delete_view(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """GET asks for confirmation; POST deletes an INACTIVE hook."""
    hook = get_hook(hook_id)
    if request.method == "POST" and hook.status == EventHook.Status.INACTIVE:
        try:
            hook_delete(hook=hook, actor=console_actor(request))
        except HookIsActive:
            pass  # activated meanwhile by someone else: show the page again, it explains
        else:
            messages.success(request, f"“{hook.name}” was deleted.")
            return redirect("hooks:hook-list")
        hook.refresh_from_db()
    status = 409 if request.method == "POST" else 200
    return render(request, "hooks/hook_confirm_delete.html", {"hook": hook}, status=status)
