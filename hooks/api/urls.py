"""Routes under /api/v1/ (no trailing slashes, as Okta's)."""

from __future__ import annotations

from django.urls import path

from hooks.api import (
    catalog_views,
    delivery_views,
    event_views,
    hook_views,
    source_views,
    tool_views,
)

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

delivery_urls = [  # /api/v1/eventHooks/<id>/deliveries/...
    path(
        "eventHooks/<str:hook_id>/deliveries",
        delivery_views.DeliveryList.as_view(),
        name="delivery-list",
    ),
    path(  # before deliveries/<delivery_id>, which would take "retry" for an id
        "eventHooks/<str:hook_id>/deliveries/retry",
        delivery_views.HookSendPendingNow.as_view(),
        name="hook-deliveries-retry",
    ),
    path(
        "eventHooks/<str:hook_id>/deliveries/<str:delivery_id>",
        delivery_views.DeliveryDetail.as_view(),
        name="delivery-detail",
    ),
    path(
        "eventHooks/<str:hook_id>/deliveries/<str:delivery_id>/redeliver",
        delivery_views.DeliveryRedeliver.as_view(),
        name="delivery-redeliver",
    ),
    path(
        "eventHooks/<str:hook_id>/redeliver",
        delivery_views.HookRedeliver.as_view(),
        name="hook-redeliver",
    ),
    path("eventHooks/<str:hook_id>/preview", tool_views.HookPreview.as_view(), name="hook-preview"),
    path(
        "eventHooks/<str:hook_id>/filters/test",
        tool_views.HookFilterTest.as_view(),
        name="hook-filter-test",
    ),
    path("filters/test", tool_views.FilterTest.as_view(), name="filter-test"),
]

event_urls = [
    path("events", event_views.EventPublish.as_view(), name="event-publish"),
    path("logs", event_views.SystemLog.as_view(), name="log-list"),
]

catalog_urls = [
    path("eventTypes", catalog_views.EventTypeList.as_view(), name="eventtype-list"),
]

source_urls = [  # /api/v1/sources/...: our extension
    path("sources", source_views.SourceList.as_view(), name="source-list"),
    path("sources/<str:source_id>", source_views.SourceDetail.as_view(), name="source-detail"),
    path(
        "sources/<str:source_id>/lifecycle/activate",
        source_views.SourceActivate.as_view(),
        name="source-activate",
    ),
    path(
        "sources/<str:source_id>/lifecycle/deactivate",
        source_views.SourceDeactivate.as_view(),
        name="source-deactivate",
    ),
]

urlpatterns = [*hook_urls, *delivery_urls, *event_urls, *catalog_urls, *source_urls]
