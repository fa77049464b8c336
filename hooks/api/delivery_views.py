"""Extensions: delivery log, redelivery, preview and filter backtests."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hooks.api.errors import not_found, validation_error
from hooks.api.hook_views import get_hook_or_404
from hooks.api.params import limit_param, time_param, time_value
from hooks.delivery.delivery_log import log_state
from hooks.delivery.redelivery import (
    HookNotDeliverable,
    deliveries_redeliver,
    delivery_redeliver,
    send_pending_now,
)
from hooks.lib.keyset import CursorError
from hooks.lib.timestamps import format_timestamp
from hooks.models import Delivery
from hooks.ops.org import org_url
from hooks.selectors import deliveries_matching, deliveries_page, with_log_state

ANY = inline_serializer("Object", {"id": serializers.CharField(required=False)})
MAX_REDELIVER = 10_000


def _ts(moment):
    return format_timestamp(moment) if moment else None


def delivery_representation(delivery: Delivery, base: str) -> dict:
    """One delivery; pass it through selectors.with_log_state first
    (hooks.delivery.delivery_log)."""
    href = f"{base}/api/v1/eventHooks/{delivery.hook_id}/deliveries/{delivery.envelope_id}"
    state = log_state(delivery)
    return {
        "id": str(delivery.envelope_id),
        "kind": delivery.kind,
        "status": delivery.status,
        "eventCount": delivery.event_count,
        "attemptCount": delivery.attempt_count,
        "created": _ts(delivery.created_at),
        "lastUpdated": _ts(state.last_updated),
        "completed": _ts(delivery.completed_at),
        "nextAttemptAt": _ts(state.next_attempt_at),
        "nextAttempt": _ts(state.next_attempt_at),  # the earlier name, kept for clients
        "lastStatusCode": state.last_status_code,
        "lastError": state.last_error,
        "redeliveryOf": state.redelivery_of,
        "redeliveredAs": state.redelivered_as,
        "_links": {
            "self": {"href": href},
            "redeliver": {"href": f"{href}/redeliver", "hints": {"allow": ["POST"]}},
        },
    }


def attempt_representation(attempt) -> dict:
    return {
        "number": attempt.number,
        "outcome": attempt.outcome,
        "started": _ts(attempt.started_at),
        "finished": _ts(attempt.finished_at),
        "durationMs": round(attempt.duration_ms, 1) if attempt.duration_ms is not None else None,
        "requestHeaders": attempt.request_headers,
        "responseStatus": attempt.response_status,
        "responseHeaders": attempt.response_headers,
        "responseBody": attempt.response_excerpt,
        "error": attempt.error or None,
    }


def _get_delivery(hook, delivery_id: str) -> Delivery:
    try:
        key = uuid.UUID(delivery_id)
    except ValueError:
        raise not_found(delivery_id, "Delivery") from None
    found = with_log_state(Delivery.objects.filter(hook=hook, envelope_id=key)).first()
    if found is None:
        raise not_found(delivery_id, "Delivery")
    return found


def _not_deliverable(error: HookNotDeliverable):
    """400 E0000001 whose cause says why nothing can be redelivered."""
    return validation_error("eventHook", [str(error)])


def _parse_status(value: str | None) -> str | None:
    if value and value not in Delivery.Status.values:
        raise validation_error("status", [f"status: must be one of {', '.join(Delivery.Status)}"])
    return value or None


class DeliveryList(APIView):
    @extend_schema(
        operation_id="listEventHookDeliveries",
        parameters=[
            OpenApiParameter("status", str, enum=list(Delivery.Status.values)),
            OpenApiParameter("since", str),
            OpenApiParameter("until", str),
            OpenApiParameter("after", str),
            OpenApiParameter("limit", int),
        ],
        responses={200: ANY},
        description='Deliveries of a hook, newest first; `Link: rel="next"` for the next page.',
    )
    def get(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        limit = limit_param(request, default=50, maximum=200)
        try:
            page = deliveries_page(
                hook=hook,
                status=_parse_status(request.query_params.get("status")),
                since=time_param(request, "since"),
                until=time_param(request, "until"),
                after=request.query_params.get("after"),
                limit=limit,
            )
        except CursorError as error:
            raise validation_error("after", [f"after: {error}"]) from None
        base = org_url(request)
        response = Response([delivery_representation(d, base) for d in page.items])
        if page.next_cursor:
            params = request.query_params.copy()
            params["after"] = page.next_cursor
            url = f"{base}/api/v1/eventHooks/{hook.id}/deliveries?{params.urlencode()}"
            response["Link"] = f'<{url}>; rel="next"'
        return response


class DeliveryDetail(APIView):
    @extend_schema(operation_id="getEventHookDelivery", responses={200: ANY})
    def get(self, request, hook_id: str, delivery_id: str):
        delivery = _get_delivery(get_hook_or_404(hook_id), delivery_id)
        body = delivery_representation(delivery, org_url(request))
        body["attempts"] = [attempt_representation(a) for a in delivery.attempts.all()]
        body["body"] = delivery.body
        return Response(body)


class DeliveryRedeliver(APIView):
    @extend_schema(operation_id="redeliverEventHookDelivery", request=None, responses={200: ANY})
    def post(self, request, hook_id: str, delivery_id: str):
        delivery = _get_delivery(get_hook_or_404(hook_id), delivery_id)
        if delivery.kind == Delivery.Kind.VERIFICATION:
            raise validation_error("delivery", ["delivery: a verification cannot be redelivered"])
        try:
            copy = delivery_redeliver(delivery=delivery)
        except HookNotDeliverable as error:
            raise _not_deliverable(error) from None
        return Response(delivery_representation(copy, org_url(request)))


class HookRedeliver(APIView):
    @extend_schema(
        operation_id="redeliverEventHookDeliveries",
        request=inline_serializer(
            "RedeliverQuery",
            {
                "status": serializers.CharField(required=False),
                "since": serializers.DateTimeField(required=False),
                "until": serializers.DateTimeField(required=False),
            },
        ),
        responses={200: inline_serializer("Redelivered", {"queued": serializers.IntegerField()})},
        description="Redeliver every EVENTS delivery matching status/since/until (query "
        "parameters or JSON body), up to 10,000 per call. With status FAILED, a delivery "
        "already replaced by a redelivery (`redeliveredAs`) is left out.",
    )
    def post(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        query = request.query_params.dict()
        if isinstance(request.data, dict):
            query.update({k: str(v) for k, v in request.data.items() if v is not None})
        status = _parse_status(query.get("status"))
        times = {
            name: time_value(name, query[name]) if query.get(name) else None
            for name in ("since", "until")
        }
        rows = deliveries_matching(hook=hook, status=status, **times)
        try:
            queued = deliveries_redeliver(hook=hook, deliveries=rows, limit=MAX_REDELIVER)
        except HookNotDeliverable as error:
            raise _not_deliverable(error) from None
        return Response({"queued": queued})


class HookSendPendingNow(APIView):
    @extend_schema(
        operation_id="retryEventHookPendingDeliveries",
        request=None,
        responses={200: inline_serializer("Retried", {"queued": serializers.IntegerField()})},
        description="Send every PENDING delivery of the hook now (retries waiting for their "
        "next step, queued redeliveries), oldest first, then the events waiting in its "
        "outbox. 400 E0000001 unless the hook is ACTIVE and VERIFIED.",
    )
    def post(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        try:
            queued = send_pending_now(hook=hook)
        except HookNotDeliverable as error:
            raise _not_deliverable(error) from None
        return Response({"queued": queued})
