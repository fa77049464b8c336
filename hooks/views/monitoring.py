"""/healthz (for monitors and load balancers) and /metrics (for Prometheus).

/healthz needs no authentication and shows no secrets. /metrics asks for
`Authorization: Bearer <HOOKS_METRICS_TOKEN>`; without that setting it is open in
development mode (DEBUG) only, and closed otherwise (system check hooks.E001 says so).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from hooks.ops import metrics
from hooks.ops.observability import service_health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when healthy or degraded, 503 when unhealthy; every check in the body."""
    healthy, body = service_health_report()
    return JsonResponse(body, status=200 if healthy else 503)


def _authorized(request: HttpRequest) -> bool:
    token = settings.HOOKS_METRICS_TOKEN
    if not token:
        return settings.DEBUG
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition; 401 without the configured bearer token."""
    if not _authorized(request):
        text = (
            "Bearer token required."
            if settings.HOOKS_METRICS_TOKEN
            else ("Set HOOKS_METRICS_TOKEN to scrape /metrics with DEBUG off.")
        )
        response = HttpResponse(f"{text}\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    try:
        body = metrics.exposition()
    except Exception as error:  # a failed scrape must say so, not 500 HTML
        return HttpResponse(
            f"metrics unavailable: {error.__class__.__name__}\n",
            status=503,
            content_type="text/plain",
        )
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
