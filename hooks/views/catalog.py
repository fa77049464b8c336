"""The Event Catalog page: search, categories, beta marks, subscribers and sample payloads."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from hooks import selectors
from hooks.catalog import CATEGORIES, sample_log_event
from hooks.models import EventType
from hooks.views.auth import superadmin_required
from hooks.views.common import HtmxHttpRequest

BETA_CHOICES = (("", "All"), ("only", "Beta only"), ("none", "Without beta"))


@require_GET
@superadmin_required
def catalog(request: HtmxHttpRequest) -> HttpResponse:
    """`/catalog?q=…&category=…&beta=only|none&all=1`: hook-eligible types by category."""
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    beta = request.GET.get("beta", "")
    show_all = request.GET.get("all") == "1"
    groups = selectors.event_type_groups(q=q, eligible_only=not show_all)
    if category:
        groups = [group for group in groups if group.category == category]
    if beta in ("only", "none"):
        for group in groups:
            group.types = [t for t in group.types if t.beta == (beta == "only")]
        groups = [group for group in groups if group.types]
    context = {
        "groups": groups,
        "count": sum(len(group.types) for group in groups),
        "q": q,
        "category": category,
        "categories": CATEGORIES,
        "beta": beta,
        "beta_choices": BETA_CHOICES,
        "show_all": show_all,
        "subscribers": selectors.subscribers_by_type(),
    }
    if request.htmx:
        return render(request, "hooks/_catalog_list.html", context)
    return render(request, "hooks/catalog.html", context)


@require_GET
@superadmin_required
def event_type_detail(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """`/catalog/<name>`: one event type, the hooks subscribed to it, and a sample LogEvent."""
    event_type = get_object_or_404(EventType, name=name)
    context = {
        "event_type": event_type,
        "subscribers": selectors.subscribers_by_type().get(name, []),
        "sample": sample_log_event(name, label=event_type.display_message or None),
    }
    return render(request, "hooks/event_type_detail.html", context)
