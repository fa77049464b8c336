"""The Sources pages: list and create, detail, activate / deactivate, delete."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hooks.forms.sources import SourceCreateForm
from hooks.models import Event, Source
from hooks.ops.org import org_url
from hooks.sources.reader import lag_seconds
from hooks.sources.representation import ingest_url
from hooks.sources.services import (
    SourceIsActive,
    source_activate,
    source_create,
    source_deactivate,
    source_delete,
)
from hooks.sources.validation import SourceValidationError
from hooks.views.auth import console_actor, superadmin_required
from hooks.views.common import HtmxHttpRequest


def _decorate(source: Source, base: str) -> Source:
    # Attributes for the templates only (not fields of the model).
    setattr(source, "ingest_url", ingest_url(source, base))  # noqa: B010
    lag = lag_seconds(source) if source.type == Source.Type.OKTA_SYSTEM_LOG else None
    setattr(source, "lag", lag)  # noqa: B010
    return source


@require_http_methods(["GET", "POST"])
@superadmin_required
def source_list(request: HtmxHttpRequest) -> HttpResponse:
    """`/sources`: every source, and a form to connect another."""
    form = SourceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = source_create(spec=form.spec(), actor=console_actor(request))
        except SourceValidationError as error:
            form.add_causes(error.causes)
        else:
            messages.success(request, f"Source “{source.name}” was created.")
            return redirect("hooks:source-detail", source_id=source.pk)
    base = org_url(request)
    sources = [_decorate(source, base) for source in Source.objects.all()]
    status = 400 if request.method == "POST" else 200
    return render(request, "hooks/sources.html", {"form": form, "sources": sources}, status=status)


@require_GET
@superadmin_required
def source_detail(request: HtmxHttpRequest, source_id: str) -> HttpResponse:
    source = _decorate(get_object_or_404(Source, pk=source_id), org_url(request))
    recent = Event.objects.filter(source_id=source.pk).order_by("-published", "-id")[:10]
    types = (
        Event.objects.filter(source_id=source.pk)
        .values("event_type")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    context = {
        "source": source,
        "recent": recent,
        "types": types,
        "log_url": f"{reverse('hooks:system-log')}?source={source.pk}",
    }
    return render(request, "hooks/source_detail.html", context)


@require_POST
@superadmin_required
def source_activate_view(request: HtmxHttpRequest, source_id: str) -> HttpResponse:
    source = source_activate(
        source=get_object_or_404(Source, pk=source_id), actor=console_actor(request)
    )
    messages.success(request, f"“{source.name}” is active.")
    return redirect("hooks:source-detail", source_id=source.pk)


@require_POST
@superadmin_required
def source_deactivate_view(request: HtmxHttpRequest, source_id: str) -> HttpResponse:
    source = source_deactivate(
        source=get_object_or_404(Source, pk=source_id), actor=console_actor(request)
    )
    messages.success(request, f"“{source.name}” is inactive: it takes no events in.")
    return redirect("hooks:source-detail", source_id=source.pk)


@require_http_methods(["GET", "POST"])
@superadmin_required
def source_delete_view(request: HtmxHttpRequest, source_id: str) -> HttpResponse:
    """GET asks for confirmation; POST deletes an INACTIVE source."""
    source = get_object_or_404(Source, pk=source_id)
    if request.method == "POST" and source.status == Source.Status.INACTIVE:
        try:
            source_delete(source=source, actor=console_actor(request))
        except SourceIsActive:
            source.refresh_from_db()  # activated meanwhile: the page explains
        else:
            messages.success(request, f"“{source.name}” was deleted.")
            return redirect("hooks:source-list")
    status = 409 if request.method == "POST" else 200
    return render(request, "hooks/source_confirm_delete.html", {"source": source}, status=status)
