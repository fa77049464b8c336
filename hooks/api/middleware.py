"""Headers every /api/ response carries, and Okta errors where Django would answer HTML."""

from __future__ import annotations

import logging
import secrets
import time

from django.utils.http import http_date

from hooks.api.errors import bad_request, body_too_large, error_response, translate_django_exception
from hooks.lib.ids import BASE62

logger = logging.getLogger(__name__)


def _request_id() -> str:
    return "".join(secrets.choice(BASE62) for _ in range(27))


class OktaApiMiddleware:
    """Adds Date, X-Okta-Request-Id and X-Rate-Limit-* headers to /api/ responses.

    Django's own 404 and 500 pages are HTML; on /api/ paths they are replaced by
    Okta error objects so that SDKs raise OktaAPIError instead of HTTPError.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        request.okta_request_id = _request_id()
        if (
            "\x00" in request.META.get("QUERY_STRING", "")
            or "%00" in request.META.get("QUERY_STRING", "")
            or "\x00" in request.path
        ):
            # NUL cannot reach PostgreSQL text columns; answer as for any bad parameter.
            response = error_response(
                400,
                "E0000001",
                "Api validation failed: query",
                ["query: NUL characters are not allowed"],
            )
        else:
            response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/json"):
            if response.status_code == 404:
                response = error_response(404, "E0000007", "Not found: Resource not found")
            elif response.status_code == 405:
                response = error_response(405, "E0000022")
            elif response.status_code == 403:
                response = error_response(403, "E0000006")
            elif response.status_code in (400, 413):
                # Django's own refusals (SuspiciousOperation: a bad Host, too many fields, a
                # body over DATA_UPLOAD_MAX_MEMORY_SIZE) are the client's fault, not ours.
                error = body_too_large() if response.status_code == 413 else bad_request()
                response = error_response(
                    error.status_code, error.code, error.summary, error.causes
                )
            else:
                response = error_response(500, "E0000009")
        response["X-Okta-Request-Id"] = request.okta_request_id
        response["Date"] = http_date(time.time())
        limit = getattr(request, "rate_limit", None)
        if limit is not None:
            response["X-Rate-Limit-Limit"] = str(limit[0])
            response["X-Rate-Limit-Remaining"] = str(limit[1])
            response["X-Rate-Limit-Reset"] = str(limit[2])
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        error = translate_django_exception(exception)
        if error is not None:
            return error_response(error.status_code, error.code, error.summary, error.causes)
        # The last line of defence: no bad input should get here, but if something does,
        # the client still gets an Okta error object rather than Django's HTML page.
        logger.exception("unhandled error on %s", request.path, exc_info=exception)
        return error_response(500, "E0000009")
