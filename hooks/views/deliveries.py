"""The Deliveries tab: a live list with filters, attempts, redelivery (one or all failed)
and "Send now" for a failing hook."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from hooks import selectors
from hooks.delivery.redelivery import (
    HookNotDeliverable,
    deliveries_redeliver,
    delivery_redeliver,
    send_pending_now,
)
from hooks.forms import DeliveryFilterForm
from hooks.lib.keyset import CursorError
from hooks.lib.timestamps import format_timestamp
from hooks.models import Delivery
from hooks.selectors import deliveries_matching, deliveries_page
from hooks.views.auth import superadmin_required
from hooks.views.common import HtmxHttpRequest, get_hook, hook_page, parse_moment, safe_next
from hooks.views.delivery_rows import delivery_rows

PAGE_SIZE = 25
FILTER_FORM_ID = "delivery-filters"
MAX_REDELIVER = 1000  # per click: a bigger backlog is better replayed in steps


def _filters(request: HtmxHttpRequest) -> tuple[DeliveryFilterForm, dict]:
    form = DeliveryFilterForm(request.GET)
    if not form.is_valid():
        return form, {"status": None, "kind": None, "since": None, "until": None, "q": ""}
    data = form.cleaned_data
    filters = {key: data[key] or None for key in ("status", "kind", "since", "until")}
    return form, {**filters, "q": data["q"].strip()}


@require_GET
@superadmin_required
def hook_deliveries(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """`/eventhooks/<id>/deliveries`: newest first, polled every 2 s by htmx on the first page."""
    hook = get_hook(hook_id)
    form, filters = _filters(request)
    if request.GET.get("show"):
        return _page_showing(hook, request.GET["show"])
    after = request.GET.get("after") or None
    try:
        page = deliveries_page(hook=hook, after=after, limit=PAGE_SIZE, **filters)
    except CursorError:
        messages.error(request, "That page link is not valid any more; here is the first page.")
        return redirect("hooks:hook-deliveries", hook_id=hook.id)
    failed_count = None
    # The full page and a change of the filters show the count (the fragment then swaps it
    # out of band); the 2-second polls skip it.
    if not request.htmx or request.htmx.history_restore_request or _from_filters(request):
        failed = deliveries_matching(
            hook=hook, status=Delivery.Status.FAILED, since=filters["since"], until=filters["until"]
        )
        # Capped: the button queues at most MAX_REDELIVER, and a full count of a huge
        # log would cost more than the page itself.
        failed_count = failed.order_by()[: MAX_REDELIVER + 1].count()
    context = hook_page(
        request,
        hook,
        "deliveries",
        filter_form=form,
        page=page,
        rows=delivery_rows(page.items, hook=hook, now=timezone.now()),
        log_url=reverse("hooks:hook-deliveries", args=[hook.id]),
        after=after,
        failed_count=failed_count,
        q=filters["q"],
        filtered=any(filters.values()),
        scan_limit=selectors.DELIVERY_SCAN_LIMIT,
        failed_count_capped=failed_count is not None and failed_count > MAX_REDELIVER,
        redeliver_limit=MAX_REDELIVER,
    )
    # A history restore (back/forward past htmx's cache) needs the whole page, or the
    # filters on screen would be those of another URL than the rows.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "hooks/_delivery_list.html", context)
    return render(request, "hooks/hook_deliveries.html", context)


def _from_filters(request: HtmxHttpRequest) -> bool:
    return request.htmx.trigger == FILTER_FORM_ID


def _page_showing(hook, envelope_id: str) -> HttpResponse:
    """`?show=<eventId>` (the links between an original and its redelivery): the page of
    the log that starts with that delivery, scrolled to it."""
    base = reverse("hooks:hook-deliveries", args=[hook.id])
    try:
        delivery = Delivery.objects.only("pk", "created_at").get(hook=hook, envelope_id=envelope_id)
    except (Delivery.DoesNotExist, ValidationError):
        return redirect(base)
    cursor = selectors.page_starting_at(delivery)
    return redirect(f"{base}?{urlencode({'after': cursor})}#delivery-{envelope_id}")


@require_POST
@superadmin_required
def delivery_redeliver_view(
    request: HtmxHttpRequest, hook_id: str, delivery_id: int
) -> HttpResponse:
    """Queue one delivery again, under a new eventId."""
    delivery = get_object_or_404(
        Delivery, pk=delivery_id, hook_id=hook_id, kind=Delivery.Kind.EVENTS
    )
    try:
        copy = delivery_redeliver(delivery=delivery)
    except HookNotDeliverable as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Redelivery queued as {copy.envelope_id}.")
    return redirect(safe_next(request, reverse("hooks:hook-deliveries", args=[hook_id])))


@require_http_methods(["GET", "POST"])
@superadmin_required
def deliveries_redeliver_failed(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """GET shows how many failed deliveries would be sent again; POST queues them."""
    hook = get_hook(hook_id)
    params = request.POST if request.method == "POST" else request.GET
    since, until = parse_moment(params.get("since")), parse_moment(params.get("until"))
    rows = deliveries_matching(hook=hook, status=Delivery.Status.FAILED, since=since, until=until)
    if request.method == "POST":
        started = timezone.now()
        try:
            queued = deliveries_redeliver(hook=hook, deliveries=rows, limit=MAX_REDELIVER)
        except HookNotDeliverable as error:
            messages.error(request, str(error))
            return redirect("hooks:hook-deliveries", hook_id=hook.id)
        messages.success(request, f"{queued} failed deliveries queued again.")
        progress = reverse("hooks:redelivery-progress", args=[hook.id])
        return redirect(f"{progress}?{urlencode({'from': format_timestamp(started)})}")
    context = hook_page(
        request,
        hook,
        "deliveries",
        count=rows.count(),
        limit=MAX_REDELIVER,
        since=params.get("since", ""),
        until=params.get("until", ""),
    )
    return render(request, "hooks/redeliver_confirm.html", context)


@require_GET
@superadmin_required
def redelivery_progress(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """How many of the queued redeliveries have finished; htmx polls it until all have."""
    hook = get_hook(hook_id)
    started = parse_moment(request.GET.get("from"))
    if started is None:
        return redirect("hooks:hook-deliveries", hook_id=hook.id)
    progress = selectors.redelivery_progress(hook, started=started)
    context = hook_page(request, hook, "deliveries", progress=progress)
    if request.htmx:
        return render(request, "hooks/_redelivery_progress.html", context)
    return render(request, "hooks/redelivery_progress.html", context)


@require_POST
@superadmin_required
def deliveries_send_now(request: HtmxHttpRequest, hook_id: str) -> HttpResponse:
    """ "Send now": the hook's pending deliveries are tried at once, then its outbox."""
    hook = get_hook(hook_id)
    try:
        queued = send_pending_now(hook=hook)
    except HookNotDeliverable as error:
        messages.error(request, str(error))
    else:
        noun = "delivery" if queued == 1 else "deliveries"
        messages.success(
            request,
            f"{queued} pending {noun} queued to be sent now, oldest first, then the events "
            "waiting for this hook.",
        )
    target = safe_next(request, reverse("hooks:hook-deliveries", args=[hook.id]))
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
