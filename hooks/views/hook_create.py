"""Step 1 of the creation flow: the hook's details, saved unverified by hook_create."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from hooks import selectors
from hooks.eventhooks.services import hook_create
from hooks.eventhooks.validation import HookValidationError
from hooks.forms import HookDetailsForm, apply_causes, silence_errors
from hooks.lib.params import parse_whole_number
from hooks.views.auth import console_actor, superadmin_required
from hooks.views.common import STEPS, HtmxHttpRequest, flash_secret


def form_intent(request: HtmxHttpRequest) -> tuple[str, int | None]:
    """What a POST of the details form asks for: save, add/remove a header row, or search."""
    action = request.POST.get("header_action", "")
    if action == "add":
        return "add_header", None
    if action.startswith("remove:"):
        index = parse_whole_number(action[7:], minimum=0, maximum=10_000)
        if index is not None:
            return "remove_header", index
    if request.POST.get("search"):
        return "search", None
    return "save", None


def render_details(
    request: HtmxHttpRequest,
    form: HookDetailsForm,
    template: str,
    context: dict,
    intent: str = "save",
    index: int | None = None,
) -> HttpResponse:
    """The details page, or just the fragment an htmx "add row" / search asked for."""
    if intent != "save":
        silence_errors(form)
    q = (request.POST.get("q") if request.method == "POST" else request.GET.get("q")) or ""
    selected = form.selected_event_types()
    context = {
        **context,
        "form": form,
        "q": q.strip(),
        "selected": set(selected),
        "groups": selectors.event_type_groups(q=q.strip(), keep=set(selected)),
        "header_rows": form.header_rows(
            add=1 if intent == "add_header" else 0,
            remove=index if intent == "remove_header" else None,
        ),
    }
    if request.htmx and intent in ("add_header", "remove_header"):
        return render(request, "hooks/_header_rows.html", context)
    if request.htmx and intent == "search":
        return render(request, "hooks/_event_type_list.html", context)
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@superadmin_required
def hook_create_view(request: HtmxHttpRequest) -> HttpResponse:
    """`/eventhooks/new`: "Create hook & continue" saves the hook and opens the filters step."""
    intent, index = "save", None
    if request.method == "POST":
        form = HookDetailsForm(request.POST)
        intent, index = form_intent(request)
        if intent == "save" and form.is_valid():
            try:
                hook, secret = hook_create(spec=form.to_spec(), actor=console_actor(request))
            except HookValidationError as error:
                apply_causes(form, error.causes)
            else:
                flash_secret(request, kind="signing", owner=hook.id, value=secret)
                target = reverse("hooks:hook-filters", args=[hook.id]) + "?setup=1"
                if request.htmx:
                    return HttpResponseClientRedirect(target)
                return redirect(target)
    else:
        form = HookDetailsForm()
    context = {"step": 1, "steps": STEPS}
    return render_details(request, form, "hooks/hook_create.html", context, intent, index)
