"""A hook's Overview tab (read-only) and Edit page, its signing secret and its Activity tab."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from hooks import selectors
from hooks.eventhooks.services import hook_replace, hook_rotate_signing_secret
from hooks.eventhooks.validation import HookValidationError
from hooks.forms import HookDetailsForm, apply_causes
from hooks.lib.keyset import CursorError
from hooks.models import EventHook
from hooks.views.auth import console_actor, superadmin_required
from hooks.views.charts import deliveries_per_hour
from hooks.views.common import HtmxHttpRequest, flash_secret, get_hook, hook_page
from hooks.views.hook_create import form_intent, render_details


@require_GET
@superadmin_required
def hook_detail(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """`/eventhooks/<id>`: a read-only summary: status, health, signing secret, settings."""
    hook = get_hook(hook_id)
    context = hook_page(
        request,
        hook,
        "overview",
        deliveries_per_hour=deliveries_per_hour(hook),
        overview=selectors.hook_overview(hook),
    )
    return render(request, "hooks/hook_detail.html", context)


@require_http_methods(["GET", "POST"])
@superadmin_required
def hook_edit(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """`/eventhooks/<id>/edit`: the details form (also step 1 of a resumed setup)."""
    hook = get_hook(hook_id)
    intent, index = "save", None
    if request.method == "POST":
        form = HookDetailsForm(request.POST, hook=hook)
        intent, index = form_intent(request)
        if intent == "save" and form.is_valid():
            was_verified = hook.verification_status == EventHook.Verification.VERIFIED
            try:
                hook = hook_replace(hook=hook, spec=form.to_spec(), actor=console_actor(request))
            except HookValidationError as error:
                apply_causes(form, error.causes)
            else:
                messages.success(request, "Changes saved.")
                if was_verified and hook.verification_status != EventHook.Verification.VERIFIED:
                    messages.warning(
                        request,
                        "The endpoint, headers or authentication changed, so the hook is "
                        "unverified and receives no events until it is verified again.",
                    )
                target = reverse("hooks:hook-detail", args=[hook.id])
                return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    else:
        form = HookDetailsForm(hook=hook)
    context = hook_page(request, hook, "overview")
    return render_details(request, form, "hooks/hook_edit.html", context, intent, index)


@require_http_methods(["GET", "POST"])
@superadmin_required
def hook_rotate_secret(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """GET asks for confirmation; POST makes a new signing secret and shows it once."""
    hook = get_hook(hook_id)
    if request.method == "POST":
        hook, secret = hook_rotate_signing_secret(hook=hook, actor=console_actor(request))
        flash_secret(request, kind="signing", owner=hook.id, value=secret)
        messages.success(request, "A new signing secret was made. Copy it now.")
        return redirect("hooks:hook-detail", hook_id=hook.id)
    return render(request, "hooks/hook_rotate_secret.html", hook_page(request, hook, "overview"))


@require_GET
@superadmin_required
def hook_activity(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """`/eventhooks/<id>/activity`: the hook's System Log entries, newest first."""
    hook = get_hook(hook_id)
    try:
        page = selectors.hook_activity(hook, after=request.GET.get("after") or None)
    except CursorError:
        return redirect("hooks:hook-activity", hook_id=hook.id)
    context = hook_page(request, hook, "activity", page=page)
    if request.htmx:
        return render(request, "hooks/_log_rows.html", context)
    return render(request, "hooks/hook_activity.html", context)


@require_GET
@superadmin_required
def hook_activate_step(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """`/eventhooks/<id>/activate`: the one-time verification explained, with a Verify button."""
    hook = get_hook(hook_id)
    return render(request, "hooks/hook_activate.html", hook_page(request, hook, "activate", step=4))
