"""`/api/v1/sources` (our extension): events brought in from an Okta org.

The same conventions as `/api/v1/eventHooks`: Okta error objects, `_links` that follow the
status, DELETE only when INACTIVE, write-only secrets.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hooks.api.errors import not_found, validation_error
from hooks.api.hook_views import request_actor
from hooks.models import Source
from hooks.ops.org import org_url
from hooks.sources.representation import parse_source_body, source_representation
from hooks.sources.services import (
    SourceIsActive,
    source_activate,
    source_create,
    source_deactivate,
    source_delete,
    source_replace,
)
from hooks.sources.validation import SourceValidationError

SourceSchema = inline_serializer(
    "Source",
    {
        "id": serializers.CharField(),
        "name": serializers.CharField(),
        "type": serializers.ChoiceField(choices=Source.Type.values),
        "status": serializers.ChoiceField(choices=Source.Status.values),
        "config": serializers.DictField(),
        "ingestUrl": serializers.CharField(required=False),
        "eventsReceived": serializers.IntegerField(),
        "lastEventAt": serializers.CharField(allow_null=True),
        "lastError": serializers.CharField(allow_null=True),
        "lagSeconds": serializers.FloatField(required=False, allow_null=True),
    },
)
SourceListSchema = inline_serializer("SourceList", {"id": serializers.CharField()}, many=True)


def _get_or_404(source_id: str) -> Source:
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        raise not_found(source_id, "Source")
    return source


def _respond(request, source: Source) -> Response:
    return Response(source_representation(source, org_url(request)))


def _spec(request):
    try:
        return parse_source_body(request.data)
    except SourceValidationError as error:
        raise validation_error("source", error.causes) from None


class SourceList(APIView):
    @extend_schema(operation_id="listSources", responses={200: SourceListSchema})
    def get(self, request):
        base = org_url(request)
        sources = Source.objects.order_by("created_at", "id")
        return Response([source_representation(source, base) for source in sources])

    @extend_schema(
        operation_id="createSource",
        request=inline_serializer("SourceInput", {"name": serializers.CharField()}),
        responses={200: SourceSchema},
        description="OKTA_EVENT_HOOK: `config.authScheme` {type HEADER, key, value}; point an "
        "Okta event hook at the answer's `ingestUrl` with that header. OKTA_SYSTEM_LOG: "
        "`config.orgUrl`, `config.token` (an API token, read-only admin is enough), optional "
        "`config.filter` and `config.since` (default now). Secrets are never returned.",
    )
    def post(self, request):
        try:
            source = source_create(spec=_spec(request), actor=request_actor(request))
        except SourceValidationError as error:
            raise validation_error("source", error.causes) from None
        return _respond(request, source)


class SourceDetail(APIView):
    @extend_schema(operation_id="getSource", responses={200: SourceSchema})
    def get(self, request, source_id: str):
        return _respond(request, _get_or_404(source_id))

    @extend_schema(
        operation_id="replaceSource",
        responses={200: SourceSchema},
        request=inline_serializer("SourceReplace", {"name": serializers.CharField()}),
    )
    def put(self, request, source_id: str):
        source = _get_or_404(source_id)
        try:
            source = source_replace(
                source=source, spec=_spec(request), actor=request_actor(request)
            )
        except SourceValidationError as error:
            raise validation_error("source", error.causes) from None
        return _respond(request, source)

    @extend_schema(
        operation_id="deleteSource", responses={204: OpenApiResponse(description="Deleted")}
    )
    def delete(self, request, source_id: str):
        source = _get_or_404(source_id)
        try:
            source_delete(source=source, actor=request_actor(request))
        except SourceIsActive:
            raise validation_error(
                "source",
                [
                    f"status: Source {source.id} is ACTIVE; only INACTIVE sources can be deleted. "
                    "Deactivate it first (POST .../lifecycle/deactivate)."
                ],
            ) from None
        return Response(status=204)


class SourceActivate(APIView):
    @extend_schema(operation_id="activateSource", request=None, responses={200: SourceSchema})
    def post(self, request, source_id: str):
        source = source_activate(source=_get_or_404(source_id), actor=request_actor(request))
        return _respond(request, source)


class SourceDeactivate(APIView):
    @extend_schema(operation_id="deactivateSource", request=None, responses={200: SourceSchema})
    def post(self, request, source_id: str):
        source = source_deactivate(source=_get_or_404(source_id), actor=request_actor(request))
        return _respond(request, source)
