"""URL configuration: console pages, the API under /api/v1/, admin and login."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hooks.admin_site import site as admin_site
from hooks.api.errors import error_response
from hooks.views import health


def api_not_found(request, *args, **kwargs):
    return error_response(404, "E0000007", "Not found: Resource not found")


urlpatterns = [
    path("admin/", admin_site.urls),  # super admins only
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("hooks.api.urls")),
    path("metrics", health.metrics_view, name="metrics"),
    path("", include("hooks.urls")),
]
