"""The System Log page: newest first, filtered by type, actor and time, keyset-paginated."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from hooks.forms import LogFilterForm
from hooks.lib.keyset import CursorError
from hooks.models import EventType, Source
from hooks.systemlog import log_pages
from hooks.views.auth import superadmin_required
from hooks.views.common import HtmxHttpRequest


@require_GET
@superadmin_required
def system_log(request: HtmxHttpRequest) -> HttpResponse:
    """`/logs?q=…&event_type=<prefix>&actor=…&since=…&until=…&after=<cursor>`."""
    form = LogFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        page = log_pages.log_page(
            event_type=(filters.get("event_type") or "").strip(),
            actor=(filters.get("actor") or "").strip(),
            q=filters.get("q") or "",
            since=filters.get("since"),
            until=filters.get("until"),
            after=request.GET.get("after") or None,
            source=filters.get("source") or "",
        )
    except CursorError:
        messages.error(request, "That page link is not valid any more; here is the first page.")
        return redirect("hooks:system-log")
    # Which hooks each event went to: one query for the whole page, not one per row.
    sent_to = log_pages.hooks_by_event(page.items)
    for event in page.items:
        event.sent_to = sent_to[event.pk]
    context = {
        "form": form,
        "page": page,
        "source_names": dict(Source.objects.values_list("id", "name")),
    }
    if request.htmx:
        return render(request, "hooks/_log_rows.html", context)
    context["type_names"] = EventType.objects.values_list("name", flat=True)
    return render(request, "hooks/system_log.html", context)
