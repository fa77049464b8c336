"""Response shapes for the OpenAPI document (drf-spectacular); no runtime behaviour."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorCauseSchema(serializers.Serializer):
    errorSummary = serializers.CharField()


class OktaErrorSchema(serializers.Serializer):
    errorCode = serializers.CharField()
    errorSummary = serializers.CharField()
    errorLink = serializers.CharField()
    errorId = serializers.CharField()
    errorCauses = ErrorCauseSchema(many=True)


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
    authScheme = AuthSchemeOutSchema(allow_null=True)


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
    eventFilterMap = FilterMapOutSchema(many=True)


class EventsOutSchema(serializers.Serializer):
    type = serializers.ChoiceField(choices=["EVENT_TYPE"])
    items = serializers.ListField(child=serializers.CharField())
    filter = FilterOutSchema(allow_null=True)


class EventHookSchema(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["ACTIVE", "INACTIVE"])
    verificationStatus = serializers.ChoiceField(choices=["UNVERIFIED", "VERIFIED"])
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    createdBy = serializers.CharField(allow_null=True)
    lastUpdated = serializers.DateTimeField()
    events = EventsOutSchema()
    channel = ChannelOutSchema()
    _links = serializers.DictField(child=HrefSchema())


class EventHookCreatedSchema(EventHookSchema):
    signingSecret = serializers.CharField()


ERROR = OpenApiResponse(OktaErrorSchema, description="Okta error object")
ERRORS_400 = {400: ERROR}
COMMON_ERRORS = {401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR}
