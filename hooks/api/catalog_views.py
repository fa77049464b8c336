"""`/api/v1/eventTypes`: the event catalog (an extension; Okta has no such endpoint)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hooks.api.errors import validation_error
from hooks.models import EventType

EVENT_TYPE_FIELDS: dict[str, serializers.Field] = {
    "name": serializers.CharField(),
    "label": serializers.CharField(),
    "description": serializers.CharField(),
    "category": serializers.CharField(),
    "hookEligible": serializers.BooleanField(),
    "beta": serializers.BooleanField(),
}


def event_type_representation(row: EventType) -> dict:
    return {
        "name": row.name,
        "label": row.label,
        "description": row.description,
        "category": row.category,
        "hookEligible": row.hook_eligible,
        "beta": row.beta,
    }


def _parse_bool(name: str, raw: str | None) -> bool | None:
    if raw is None:
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise validation_error(name, [f"{name}: must be true or false, not '{raw}'"])


class EventTypeList(APIView):
    """List the catalog, optionally filtered by category, eligibility and a search term."""

    @extend_schema(
        operation_id="listEventTypes",
        parameters=[
            OpenApiParameter("category", str, description="Exact category name"),
            OpenApiParameter("eligible", bool, description="Only hook-eligible (or not) types"),
            OpenApiParameter("q", str, description="Search in name, label and description"),
        ],
        responses={200: inline_serializer("EventType", EVENT_TYPE_FIELDS, many=True)},
    )
    def get(self, request):
        rows = EventType.objects.all()
        category = request.query_params.get("category")
        if category:
            rows = rows.filter(category=category)
        eligible = _parse_bool("eligible", request.query_params.get("eligible"))
        if eligible is not None:
            rows = rows.filter(hook_eligible=eligible)
        term = request.query_params.get("q", "").strip()
        if term:
            rows = rows.filter(
                Q(name__icontains=term) | Q(label__icontains=term) | Q(description__icontains=term)
            )
        return Response([event_type_representation(row) for row in rows])
