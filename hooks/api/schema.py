"""Response shapes for the OpenAPI document (drf-spectacular); no runtime behaviour."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorCauseSchema(serializers.Serializer):
    errorSummary = serializers.CharField()  # noqa: N815


class OktaErrorSchema(serializers.Serializer):
    errorCode = serializers.CharField()  # noqa: N815
    errorSummary = serializers.CharField()  # noqa: N815
    errorLink = serializers.CharField()  # noqa: N815
    errorId = serializers.CharField()  # noqa: N815
    errorCauses = ErrorCauseSchema(many=True)  # noqa: N815


class HrefSchema(serializers.Serializer):
    href = serializers.CharField()
    hints = serializers.DictField(required=False)


class HeaderSchema(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField()


class AuthSchemeOutSchema(serializers.Serializer):
    type = serializers.ChoiceField(choices=["HEADER"])
    key = serializers.CharField()


class ChannelConfigOutSchema(serializers.Serializer):
    uri = serializers.CharField()
    headers = HeaderSchema(many=True)
    method = serializers.CharField()
    authScheme = AuthSchemeOutSchema(allow_null=True)  # noqa: N815


class ChannelOutSchema(serializers.Serializer):
    type = serializers.ChoiceField(choices=["HTTP"])
    version = serializers.CharField()
    config = ChannelConfigOutSchema()


class ConditionOutSchema(serializers.Serializer):
    version = serializers.CharField(allow_null=True)
    expression = serializers.CharField()


class FilterMapOutSchema(serializers.Serializer):
    event = serializers.CharField()
    condition = ConditionOutSchema()


class FilterOutSchema(serializers.Serializer):
    type = serializers.ChoiceField(choices=["EXPRESSION_LANGUAGE"])
    eventFilterMap = FilterMapOutSchema(many=True)  # noqa: N815


class EventsOutSchema(serializers.Serializer):
    type = serializers.ChoiceField(choices=["EVENT_TYPE"])
    items = serializers.ListField(child=serializers.CharField())
    filter = FilterOutSchema(allow_null=True)


class EventHookSchema(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["ACTIVE", "INACTIVE"])
    verificationStatus = serializers.ChoiceField(choices=["UNVERIFIED", "VERIFIED"])  # noqa: N815
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    createdBy = serializers.CharField(allow_null=True)  # noqa: N815
    lastUpdated = serializers.DateTimeField()  # noqa: N815
    events = EventsOutSchema()
    channel = ChannelOutSchema()
    _links = serializers.DictField(child=HrefSchema())


class EventHookCreatedSchema(EventHookSchema):
    signingSecret = serializers.CharField()  # noqa: N815


ERROR = OpenApiResponse(OktaErrorSchema, description="Okta error object")
ERRORS_400 = {400: ERROR}
COMMON_ERRORS = {401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR}
