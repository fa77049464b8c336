"""URL configuration: console pages, the API under /api/v1/, admin and login."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from hooks.access.admin_site import site as admin_site
from hooks.access.login_throttle import ConsoleLoginForm
from hooks.api.docs_views import ApiDocsView, ApiSchemaView
from hooks.api.errors import error_response
from hooks.sources.endpoint import okta_ingest
from hooks.views import monitoring


def api_not_found(request, *args, **kwargs):
    return error_response(404, "E0000007", "Not found: Resource not found")


account_urls = [  # /accounts/...: django.contrib.auth.urls, with the throttled login form
    path(
        "login/", auth_views.LoginView.as_view(authentication_form=ConsoleLoginForm), name="login"
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
# Password reset sends email: without a mail server it would only be an anonymous form
# that probes for accounts, so it is mounted only when HOOKS_PASSWORD_RESET is on.
password_reset_urls = [
    path("password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
if settings.HOOKS_PASSWORD_RESET:
    account_urls += password_reset_urls


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon
    (resolved per request, so the hashed name of production static files is used)."""
    response = HttpResponseRedirect(static("favicon.svg"))
    response["Cache-Control"] = "max-age=86400"
    return response


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin_site.urls),  # super admins only, throttled sign-in
    path("accounts/", include(account_urls)),
    path("api/v1/schema", ApiSchemaView.as_view(), name="api-schema"),
    path("api/v1/docs", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("hooks.api.urls")),
    path("metrics", monitoring.metrics_view, name="metrics"),
    # Okta event hooks deliver here (hooks/sources/endpoint.py): the source's own header
    # authenticates, not a session or an API token.
    path("ingest/okta/<str:source_id>", okta_ingest, name="ingest-okta"),
    path("", include("hooks.urls")),
]
