"""The OpenAPI schema and its Swagger UI page, for super admins and API tokens.

The schema lists every operation and its parameters: useful to an attacker probing the
API, so with DEBUG off it is served only to a signed-in super admin or an API token,
unless HOOKS_PUBLIC_API_DOCS opts in to a public reference.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from hooks.api.permissions import IsSuperAdmin


class ApiDocsPermission(IsSuperAdmin):
    """Public in development mode or with HOOKS_PUBLIC_API_DOCS; else super admins only."""

    def has_permission(self, request, view) -> bool:
        if settings.DEBUG or settings.HOOKS_PUBLIC_API_DOCS:
            return True
        return super().has_permission(request, view)


def _answer_errors_in_json(view) -> None:
    # The schema's own renderers are YAML/OpenAPI ones and the docs page's is HTML:
    # an Okta error object is JSON, as everywhere else under /api/v1/.
    view.request.accepted_renderer = JSONRenderer()
    view.request.accepted_media_type = JSONRenderer.media_type


class ApiSchemaView(SpectacularAPIView):
    """GET /api/v1/schema."""

    permission_classes = [ApiDocsPermission]

    def handle_exception(self, exc):
        _answer_errors_in_json(self)
        return super().handle_exception(exc)


class ApiDocsView(SpectacularSwaggerView):
    """GET /api/v1/docs: a browser without a session is sent to sign in first."""

    permission_classes = [ApiDocsPermission]

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        if isinstance(exc, exceptions.PermissionDenied):
            return render(self.request, "403.html", status=403)
        _answer_errors_in_json(self)
        return super().handle_exception(exc)
