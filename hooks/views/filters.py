"""Step 2 of the creation flow and the Filters tab: filters per event type, checked live."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from hooks.eventhooks.backtest import backtest
from hooks.eventhooks.services import hook_replace
from hooks.eventhooks.validation import KEEP_SECRET, HookSpec, HookValidationError
from hooks.forms import FilterSectionForm, filter_sections, silence_errors
from hooks.forms.causes import split_cause
from hooks.lib.params import parse_whole_number
from hooks.models import EventHook
from hooks.views.auth import console_actor, superadmin_required
from hooks.views.common import HtmxHttpRequest, get_hook, hook_page, is_setup

BACKTEST_EVENTS = 500
MAX_INDEX = 10_000  # of a section or builder row; far more than a form ever has


def spec_with_filters(hook: EventHook, filters: dict[str, str]) -> HookSpec:
    """The hook as it is, with new filters: the channel is unchanged, so is verification."""
    return HookSpec(
        name=hook.name,
        uri=hook.uri,
        event_types=list(hook.event_types),
        description=hook.description,
        filters=filters,
        headers=[dict(h) for h in hook.headers],
        auth_key=hook.auth_key,
        auth_value=KEEP_SECRET,
    )


def _row_action(request: HtmxHttpRequest) -> tuple[int, int, int | None] | None:
    """(section, add, remove) from a "row_action" button: "add:3", "remove:3:1", or
    "mode:3" (the Conditions / Expression Language switch: redraw the section, carrying
    the filter over to the chosen mode)."""
    raw = request.POST.get("row_action", "")
    if not raw:
        return None
    kind, *numbers = raw.split(":")
    indexes = [parse_whole_number(n, minimum=0, maximum=MAX_INDEX) for n in numbers]
    if kind == "add" and len(indexes) == 1 and indexes[0] is not None:
        return indexes[0], 1, None
    if kind == "remove" and len(indexes) == 2 and indexes[0] is not None and indexes[1] is not None:
        return indexes[0], 0, indexes[1]
    if kind == "mode" and len(indexes) == 1 and indexes[0] is not None:
        return indexes[0], 0, None
    return -1, 0, None  # a malformed button value: redraw the page, never save it


def _render(request: HtmxHttpRequest, hook: EventHook, sections: list[FilterSectionForm]):
    for section in sections:
        if not hasattr(section, "display_rows"):
            section.display_rows = section.rows()
    context = hook_page(request, hook, "filters", sections=sections, step=2)
    return render(request, "hooks/hook_filters.html", context)


def _apply_filter_causes(request, sections: list[FilterSectionForm], causes: list[str]) -> None:
    by_type = {section.event_type: section for section in sections}
    for cause in causes:
        where, message = split_cause(cause)
        name = where.partition("[")[2].rstrip("]")
        if where.startswith("events.filter") and name in by_type:
            by_type[name].add_error("expression", message)
        else:
            messages.error(request, message)


@require_http_methods(["GET", "POST"])
@superadmin_required
def hook_filters(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """`/eventhooks/<id>/filters`: builder rows or Okta EL per subscribed event type."""
    hook = get_hook(hook_id)
    if request.method == "GET":
        return _render(request, hook, filter_sections(hook))
    sections = filter_sections(hook, request.POST)
    action = _row_action(request)
    if action is not None:
        index, add, remove = action
        for section in sections:
            silence_errors(section)
        if 0 <= index < len(sections):
            section = sections[index]
            section.display_rows = section.rows(add=add, remove=remove)
            if request.POST["row_action"].startswith("mode:"):
                _check(section)  # the switched-to mode shows at once whether it holds
            if request.htmx:
                context = hook_page(request, hook, "filters", section=section)
                return render(request, "hooks/_filter_section.html", context)
        return _render(request, hook, sections)
    if all(section.is_valid() for section in sections):
        filters = {
            s.event_type: s.cleaned_data["filter_expression"]
            for s in sections
            if s.cleaned_data["apply"]
        }
        try:
            hook_replace(
                hook=hook, spec=spec_with_filters(hook, filters), actor=console_actor(request)
            )
        except HookValidationError as error:
            _apply_filter_causes(request, sections, error.causes)
            return _render(request, hook, sections)
        else:
            if is_setup(request):
                target = reverse("hooks:hook-preview", args=[hook.id]) + "?setup=1"
            else:
                messages.success(request, "Filters saved.")
                target = reverse("hooks:hook-filters", args=[hook.id])
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    # A refused save keeps each failing section's check, with the caret at the error, as the
    # live check drew it: the save must not trade it for a bare message.
    for section in sections:
        if section.is_applied() and section.errors:
            expression, problem = section.build()
            if problem is not None:
                section.check = {"expression": expression, "problem": problem, "result": None}
    return _render(request, hook, sections)


def _check(section: FilterSectionForm) -> None:
    """Validate the section's filter and backtest it on recent events (section.check)."""
    expression, problem = section.build()
    result = None
    if problem is None:
        result = backtest(
            event_type=section.event_type, expression=expression, limit=BACKTEST_EVENTS
        )
    section.check = {"expression": expression, "problem": problem, "result": result}


@require_POST
@superadmin_required
def hook_filter_check(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """Validate one section's filter and backtest it on recent events (same fragment for both)."""
    hook = get_hook(hook_id)
    sections = filter_sections(hook, request.POST)
    raw = request.GET.get("section") or request.POST.get("section") or ""
    index = parse_whole_number(raw, minimum=0, maximum=MAX_INDEX)
    if index is None:
        return HttpResponseBadRequest("section must be a whole number")
    if index >= len(sections):
        raise Http404("No such filter section")
    section = sections[index]
    _check(section)
    if request.htmx:
        return render(request, "hooks/_filter_check.html", {"section": section, "hook": hook})
    for other in sections:
        silence_errors(other)
    return _render(request, hook, sections)
