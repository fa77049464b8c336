"""Console pages (super admins only)."""

from __future__ import annotations

from django.urls import path

from hooks.views import health

app_name = "hooks"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
]
