"""Okta error objects for every failure on every /api/ path.

Shape: {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses": [{"errorSummary"}]}.
Okta's SDKs raise OktaAPIError only for bodies of exactly this shape.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from hooks.lib.ids import BASE62

logger = logging.getLogger(__name__)

SUMMARIES = {
    "E0000001": "Api validation failed: {0}",
    "E0000003": "The request body was not well-formed.",
    "E0000006": "You do not have permission to perform the requested action",
    "E0000007": "Not found: {0}",
    "E0000009": "Internal Server Error",
    "E0000011": "Invalid token provided",
    "E0000022": "The endpoint does not support the provided HTTP method",
    "E0000047": "API call exceeded rate limit due to too many requests.",
    "E0000005": "Invalid session",
}


class OktaError(exceptions.APIException):
    """An API failure with an Okta code, summary and causes."""

    def __init__(self, status: int, code: str, summary: str, causes: list[str] | None = None):
        super().__init__(summary)
        self.status_code = status
        self.code = code
        self.summary = summary
        self.causes = causes or []


def validation_error(subject: str, causes: list[str]) -> OktaError:
    """400 E0000001 'Api validation failed: <subject>' with one cause per problem."""
    return OktaError(400, "E0000001", SUMMARIES["E0000001"].format(subject), causes)


def not_found(resource_id: str, kind: str) -> OktaError:
    """404 E0000007 in Okta's wording: 'Not found: Resource not found: <id> (<kind>)'."""
    return OktaError(404, "E0000007", f"Not found: Resource not found: {resource_id} ({kind})")


def body_too_large(limit: int | None = None) -> OktaError:
    """413 E0000001 'Api validation failed: Request body too large' (E0000001: Okta's
    code for any request it refuses as invalid; it has no dedicated size code)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    return OktaError(
        413,
        "E0000001",
        SUMMARIES["E0000001"].format("Request body too large"),
        [f"The request body is larger than {limit} bytes"],
    )


def bad_request() -> OktaError:
    """400 E0000001 for what Django itself refuses (bad Host, too many fields...)."""
    return OktaError(
        400,
        "E0000001",
        SUMMARIES["E0000001"].format("request"),
        ["The request is malformed or too large to process"],
    )


def error_body(code: str, summary: str, causes: list[str] | None = None) -> dict:
    """Return the Okta error object for `code`."""
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae" + "".join(secrets.choice(BASE62) for _ in range(22)),
        "errorCauses": [{"errorSummary": cause} for cause in causes or []],
    }


def error_response(status: int, code: str, summary: str | None = None, causes=None):
    """A plain Django JsonResponse carrying an Okta error (for middleware and handlers)."""
    return JsonResponse(error_body(code, summary or SUMMARIES[code], causes), status=status)


def translate_django_exception(exc: Exception) -> OktaError | None:
    """The Okta error for an exception Django raises on bad input, or None."""
    if isinstance(exc, RequestDataTooBig):
        return body_too_large()
    if isinstance(exc, SuspiciousOperation):  # e.g. TooManyFieldsSent, DisallowedHost
        return bad_request()
    return None


def _translate(exc: Exception) -> OktaError | None:
    if isinstance(exc, OktaError):
        return exc
    django_error = translate_django_exception(exc)
    if django_error is not None:
        return django_error
    if isinstance(exc, exceptions.ParseError):
        return OktaError(400, "E0000003", SUMMARIES["E0000003"], [str(exc.detail)])
    if isinstance(exc, exceptions.ValidationError):
        return validation_error("request", flatten_validation(exc.detail))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return OktaError(401, "E0000011", SUMMARIES["E0000011"])
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        return OktaError(403, "E0000006", SUMMARIES["E0000006"])
    if isinstance(exc, exceptions.NotFound | Http404):
        return OktaError(404, "E0000007", "Not found: Resource not found")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return OktaError(405, "E0000022", SUMMARIES["E0000022"], [str(exc.detail)])
    if isinstance(exc, exceptions.Throttled):
        return OktaError(429, "E0000047", SUMMARIES["E0000047"])
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return OktaError(415, "E0000001", "Api validation failed: Content-Type", [str(exc.detail)])
    if isinstance(exc, exceptions.NotAcceptable):
        return OktaError(406, "E0000001", "Api validation failed: Accept", [str(exc.detail)])
    if isinstance(exc, exceptions.APIException):
        return OktaError(exc.status_code, "E0000001", str(exc.detail))
    return None


def flatten_validation(detail, prefix: str = "") -> list[str]:
    """Turn DRF's nested error detail into 'field: message' sentences."""
    if isinstance(detail, dict):
        causes = []
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" else f"{prefix}.{key}".strip(".")
            causes.extend(flatten_validation(value, name))
        return causes
    if isinstance(detail, list):
        causes = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            causes.extend(flatten_validation(value, f"{prefix}[{index}]" if nested else prefix))
        return causes
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def okta_exception_handler(exc: Exception, context) -> Response | None:
    """DRF exception handler: every API error becomes an Okta error object."""
    error = _translate(exc)
    if error is None:
        logger.exception("unhandled API error", exc_info=exc)
        error = OktaError(500, "E0000009", SUMMARIES["E0000009"])
    response = Response(
        error_body(error.code, error.summary, error.causes), status=error.status_code
    )
    # drf-stubs omit Throttled.wait (set in its __init__: the seconds, rounded up, or None).
    wait = exc.wait if isinstance(exc, exceptions.Throttled) else None  # type: ignore[attr-defined]
    if wait is not None:
        response["Retry-After"] = str(int(wait) + 1)
    return response
