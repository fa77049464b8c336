"""Extensions: preview (show and send the exact request) and filter backtests."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hooks.api.delivery_views import attempt_representation, delivery_representation
from hooks.api.errors import validation_error
from hooks.api.hook_views import get_hook_or_404
from hooks.eventhooks.backtest import MAX_EVENTS, backtest
from hooks.eventhooks.preview import PreviewError, preview_build, preview_deliver
from hooks.lib.params import parse_whole_number
from hooks.models import EventType
from hooks.ops.org import org_url

ANY = inline_serializer("AnyObject", {"id": serializers.CharField(required=False)})


def _body_requiring(request, *names: str, subject: str | None = None) -> dict:
    """Return the JSON object body; 400 E0000001 when a field of `names` is missing or blank.

    One cause per such field; the summary names `subject`, by default the first field.
    """
    data = request.data if isinstance(request.data, dict) else {}
    causes = [
        f"{name}: The field cannot be left blank"
        for name in names
        if not isinstance(data.get(name), str) or not data.get(name)
    ]
    if causes:
        raise validation_error(subject or names[0], causes)
    return data


class HookPreview(APIView):
    @extend_schema(
        operation_id="previewEventHook",
        request=inline_serializer(
            "PreviewRequest",
            {
                "eventType": serializers.CharField(),
                "eventUuid": serializers.CharField(required=False),
                "body": serializers.JSONField(required=False),
                "deliver": serializers.BooleanField(required=False, default=True),
            },
        ),
        responses={200: ANY},
        description="Builds the exact request for `eventType` from the newest System Log "
        "event (or `eventUuid`, or a sample with nulls when none exists) and, unless "
        "`deliver` is false, sends it once through the worker cluster. A `body` replaces the "
        "built one (an edited preview). Filters are bypassed, as in Okta's preview.",
    )
    def post(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        data = _body_requiring(request, "eventType")
        event_type = data["eventType"]
        try:
            built = preview_build(
                hook=hook, event_type=event_type, event_uuid=data.get("eventUuid")
            )
            body = built.body
            if data.get("body") is not None:
                edited = data["body"]
                body = edited if isinstance(edited, str) else json.dumps(edited)
            result = {
                "request": {
                    "url": built.url,
                    "headers": built.headers,
                    "body": body,
                    "sample": built.is_sample,
                    "eventUuid": built.source_event_uuid,
                },
            }
            if data.get("deliver", True) is not False:
                delivery = preview_deliver(hook=hook, body=body)
                result["delivery"] = delivery_representation(delivery, org_url(request))
                result["delivery"]["attempts"] = [
                    attempt_representation(a) for a in delivery.attempts.all()
                ]
        except PreviewError as error:
            raise validation_error("preview", [str(error)]) from None
        return Response(result)


def _backtest_response(event_type: str, expression: str, limit_raw) -> Response:
    if not EventType.objects.filter(name=event_type).exists():
        raise validation_error("eventType", [f"eventType: '{event_type}' is not in the catalog"])
    limit = parse_whole_number(limit_raw, minimum=1, maximum=MAX_EVENTS)
    if limit is None:
        raise validation_error("limit", [f"limit: a whole number from 1 to {MAX_EVENTS}"])
    result = backtest(event_type=event_type, expression=expression, limit=limit)
    if result.error:
        raise validation_error("filter", [f"events.filter[{event_type}]: {result.error}"])
    return Response(
        {
            "eventType": event_type,
            "expression": expression,
            "total": result.total,
            "matched": result.matched,
            "errors": result.errors,
            # Why it ended before `limit` events (its cost budget was spent), else "".
            "stopped": result.stopped,
            "matchingExamples": result.matching_examples,
            "nonMatchingExamples": result.non_matching_examples,
        }
    )


BACKTEST_REQUEST = inline_serializer(
    "BacktestRequest",
    {
        "eventType": serializers.CharField(),
        "expression": serializers.CharField(required=False),
        "limit": serializers.IntegerField(required=False, default=100),
    },
)


class HookFilterTest(APIView):
    @extend_schema(
        operation_id="testEventHookFilter",
        request=BACKTEST_REQUEST,
        responses={200: ANY},
        description="Runs the hook's saved filter for `eventType` (or the given `expression`) "
        "over the newest `limit` (<= 1,000) System Log events of that type.",
    )
    def post(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        data = _body_requiring(request, "eventType")
        event_type = data["eventType"]
        expression = data.get("expression") or hook.filters.get(event_type)
        if not isinstance(expression, str) or not expression:
            raise validation_error(
                "expression", [f"expression: the hook has no filter for '{event_type}'; send one"]
            )
        return _backtest_response(event_type, expression, data.get("limit", 100))


class FilterTest(APIView):
    @extend_schema(
        operation_id="testFilterExpression",
        request=BACKTEST_REQUEST,
        responses={200: ANY},
        description="Backtest an unsaved expression over recent System Log events.",
    )
    def post(self, request):
        data = _body_requiring(request, "eventType", "expression", subject="request")
        return _backtest_response(data["eventType"], data["expression"], data.get("limit", 100))
