"""`/api/v1/eventHooks`: Okta's eight operations plus signing-secret rotation."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hooks.api import schema
from hooks.api.errors import not_found, validation_error
from hooks.api.serializers import EventHookInputSerializer, hook_representation, parse_hook_body
from hooks.eventhooks.services import (
    Actor,
    HookIsActive,
    hook_activate,
    hook_create,
    hook_deactivate,
    hook_delete,
    hook_replace,
    hook_rotate_signing_secret,
)
from hooks.eventhooks.validation import HookValidationError
from hooks.eventhooks.verification import VerificationFailed, hook_verify
from hooks.lib.timestamps import format_timestamp
from hooks.models import EventHook
from hooks.ops.org import org_url


def request_actor(request) -> Actor:
    """The acting user, and the API token when one was used."""
    token = request.auth if hasattr(request.auth, "pk") else None
    return Actor(user=request.user, token_id=token.pk if token else None)


def get_hook_or_404(hook_id: str) -> EventHook:
    hook = EventHook.objects.filter(pk=hook_id).first()
    if hook is None:
        raise not_found(hook_id, "EventHook")
    return hook


def _respond(request, hook: EventHook, **extra) -> Response:
    body = hook_representation(hook, org_url(request))
    body.update(extra)
    return Response(body, status=200)


class EventHookList(APIView):
    """List every hook (one array, no paging: Okta's SDKs read only the first page) or create."""

    @extend_schema(
        operation_id="listEventHooks", responses={200: schema.EventHookSchema(many=True)}
    )
    def get(self, request):
        base = org_url(request)
        hooks = EventHook.objects.order_by("created_at", "id")
        return Response([hook_representation(hook, base) for hook in hooks])

    @extend_schema(
        operation_id="createEventHook",
        request=EventHookInputSerializer,
        responses={200: schema.EventHookCreatedSchema, **schema.ERRORS_400},
        description="Creates an ACTIVE, UNVERIFIED hook (200, as Okta). The response carries "
        "the hook's Standard Webhooks `signingSecret` once; it is never returned again.",
    )
    def post(self, request):
        spec = parse_hook_body(request.data)
        try:
            hook, secret = hook_create(spec=spec, actor=request_actor(request))
        except HookValidationError as error:
            raise validation_error("eventHook", error.causes) from None
        return _respond(request, hook, signingSecret=secret)


class EventHookDetail(APIView):
    """Get, fully replace, or delete one hook."""

    @extend_schema(operation_id="getEventHook", responses={200: schema.EventHookSchema})
    def get(self, request, hook_id: str):
        return _respond(request, get_hook_or_404(hook_id))

    @extend_schema(
        operation_id="replaceEventHook",
        request=EventHookInputSerializer,
        responses={200: schema.EventHookSchema, **schema.ERRORS_400},
        description="Full replace. Read-only fields in the body (`id`, `_links`, "
        "`verificationStatus`, `created`, ...) are ignored. `status` is honoured. A change "
        "of `channel` resets verification. When `authScheme.value` is absent and "
        "`authScheme.key` is unchanged, the stored secret is kept.",
    )
    def put(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        spec = parse_hook_body(request.data)
        try:
            hook = hook_replace(hook=hook, spec=spec, actor=request_actor(request))
        except HookValidationError as error:
            raise validation_error("eventHook", error.causes) from None
        return _respond(request, hook)

    @extend_schema(
        operation_id="deleteEventHook",
        responses={204: OpenApiResponse(description="Deleted"), **schema.ERRORS_400},
        description="Only INACTIVE hooks can be deleted; deactivate first.",
    )
    def delete(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        try:
            hook_delete(hook=hook, actor=request_actor(request))
        except HookIsActive:
            raise validation_error(
                "eventHook",
                [
                    f"status: Event hook {hook.id} is ACTIVE; only INACTIVE event hooks can be "
                    "deleted. Deactivate it first (POST .../lifecycle/deactivate)."
                ],
            ) from None
        return Response(status=204)


class EventHookActivate(APIView):
    @extend_schema(
        operation_id="activateEventHook", request=None, responses={200: schema.EventHookSchema}
    )
    def post(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        try:
            hook = hook_activate(hook=hook, actor=request_actor(request))
        except HookValidationError as error:
            raise validation_error("eventHook", error.causes) from None
        return _respond(request, hook)


class EventHookDeactivate(APIView):
    @extend_schema(
        operation_id="deactivateEventHook", request=None, responses={200: schema.EventHookSchema}
    )
    def post(self, request, hook_id: str):
        hook = hook_deactivate(hook=get_hook_or_404(hook_id), actor=request_actor(request))
        return _respond(request, hook)


class EventHookVerify(APIView):
    @extend_schema(
        operation_id="verifyEventHook",
        request=None,
        responses={200: schema.EventHookSchema, **schema.ERRORS_400},
        description="Runs the one-time verification on the worker cluster and waits for it: "
        "GET to the hook URI with `X-Okta-Verification-Challenge`; the endpoint must answer "
        'a 2xx JSON `{"verification": "<challenge>"}` within 3 s (one retry).',
    )
    def post(self, request, hook_id: str):
        hook = get_hook_or_404(hook_id)
        try:
            hook = hook_verify(hook=hook, actor=request_actor(request))
        except VerificationFailed as failure:
            raise validation_error("Verification failed", [failure.cause]) from None
        return _respond(request, hook)


class SigningSecretRotate(APIView):
    @extend_schema(
        operation_id="rotateEventHookSigningSecret",
        request=None,
        responses={
            200: inline_serializer(
                "SigningSecret",
                {
                    "signingSecret": serializers.CharField(),
                    "previousSecretExpiresAt": serializers.DateTimeField(),
                },
            )
        },
        description="Returns a new Standard Webhooks secret; the old one keeps signing "
        "(a second `v1,` signature) until `previousSecretExpiresAt`.",
    )
    def post(self, request, hook_id: str):
        hook, secret = hook_rotate_signing_secret(
            hook=get_hook_or_404(hook_id), actor=request_actor(request)
        )
        expires_at = hook.previous_signing_secret_expires_at
        assert expires_at is not None  # a rotation always sets it
        return Response(
            {
                "signingSecret": secret,
                "previousSecretExpiresAt": format_timestamp(expires_at),
            }
        )


__all__ = ["OpenApiTypes"]
