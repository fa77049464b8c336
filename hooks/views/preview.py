"""Step 3 of the creation flow and the Preview tab (reference §5); preview bypasses filters."""

from __future__ import annotations

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from hooks.eventhooks.preview import PreviewError, preview_build, preview_deliver, recent_events
from hooks.forms import PreviewBodyForm
from hooks.models import Delivery, EventHook, EventType
from hooks.views.auth import superadmin_required
from hooks.views.common import HtmxHttpRequest, get_hook, hook_page


def _context(
    request: HtmxHttpRequest,
    hook: EventHook,
    params: QueryDict,
    *,
    form: PreviewBodyForm | None = None,
    **extra,
) -> dict:
    """Everything the preview page shows for the chosen event type and System Log event."""
    labels = dict(EventType.objects.filter(name__in=hook.event_types).values_list("name", "label"))
    event_types = [(name, labels.get(name, name)) for name in hook.event_types]
    event_type = params.get("event_type") or ""
    if event_type not in hook.event_types:
        event_type = hook.event_types[0] if hook.event_types else ""
    events = recent_events(hook, event_type) if event_type else []
    event_uuid = params.get("event") or ""
    if event_uuid not in {event.uuid for event in events}:
        event_uuid = events[0].uuid if events else ""
    request_preview, problem = None, None
    if event_type:
        try:
            request_preview = preview_build(
                hook=hook, event_type=event_type, event_uuid=event_uuid or None
            )
        except PreviewError as error:
            problem = str(error)
    if form is None and request_preview is not None:
        form = PreviewBodyForm(
            initial={"event_type": event_type, "event": event_uuid, "body": request_preview.body}
        )
    return hook_page(
        request,
        hook,
        "preview",
        step=3,
        event_types=event_types,
        event_type=event_type,
        events=events,
        event_uuid=event_uuid,
        preview=request_preview,
        problem=problem,
        form=form,
        edit=params.get("edit") == "1" or (form is not None and form.is_bound),
        **extra,
    )


@require_GET
@superadmin_required
def hook_preview(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """`/eventhooks/<id>/preview?event_type=…&event=…&edit=1`: the exact request, editable."""
    hook = get_hook(hook_id)
    context = _context(request, hook, request.GET)
    if request.htmx:
        return render(request, "hooks/_preview_request.html", context)
    return render(request, "hooks/hook_preview.html", context)


@require_POST
@superadmin_required
def hook_preview_check(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """Live JSON validation of the edited body: the same fragment for "valid" and errors."""
    hook = get_hook(hook_id)
    form = PreviewBodyForm(request.POST)
    form.is_valid()
    if request.htmx:
        return render(request, "hooks/_preview_body_check.html", {"form": form, "hook": hook})
    return render(
        request,
        "hooks/hook_preview.html",
        _context(request, hook, request.POST, form=form, checked=True),
    )


@require_POST
@superadmin_required
def hook_preview_deliver(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """ "Deliver request": send the body once through the worker and show the outcome."""
    hook = get_hook(hook_id)
    form = PreviewBodyForm(request.POST)
    delivery, attempt, failure = None, None, None
    if form.is_valid():
        try:
            delivery = preview_deliver(hook=hook, body=form.cleaned_data["body"])
        except PreviewError as error:
            failure = str(error)
        else:
            attempt = delivery.attempts.order_by("-number").first()
    result = {
        "delivery": delivery,
        "attempt": attempt,
        "failure": failure,
        "succeeded": delivery is not None and delivery.status == Delivery.Status.SUCCEEDED,
    }
    if request.htmx:
        return render(
            request, "hooks/_preview_result.html", {"hook": hook, "form": form, "result": result}
        )
    return render(
        request,
        "hooks/hook_preview.html",
        _context(request, hook, request.POST, form=form, result=result),
    )
