"""Routes under /api/v1/ (no trailing slashes, as Okta's)."""

from __future__ import annotations

from django.urls import path

from hooks.api import catalog_views, hook_views

app_name = "hooks-api"

hook_urls = [  # /api/v1/eventHooks/<id>/...
    path("eventHooks", hook_views.EventHookList.as_view(), name="hook-list"),
    path("eventHooks/<str:hook_id>", hook_views.EventHookDetail.as_view(), name="hook-detail"),
    path(
        "eventHooks/<str:hook_id>/lifecycle/activate",
        hook_views.EventHookActivate.as_view(),
        name="hook-activate",
    ),
    path(
        "eventHooks/<str:hook_id>/lifecycle/deactivate",
        hook_views.EventHookDeactivate.as_view(),
        name="hook-deactivate",
    ),
    path(
        "eventHooks/<str:hook_id>/lifecycle/verify",
        hook_views.EventHookVerify.as_view(),
        name="hook-verify",
    ),
    path(
        "eventHooks/<str:hook_id>/signingSecret/rotate",
        hook_views.SigningSecretRotate.as_view(),
        name="hook-rotate-secret",
    ),
]

catalog_urls = [
    path("eventTypes", catalog_views.EventTypeList.as_view(), name="eventtype-list"),
]

urlpatterns = [*hook_urls, *catalog_urls]
