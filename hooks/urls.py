"""Console pages (super admins only), grouped by the resource they hang off."""

from __future__ import annotations

from django.urls import path

from hooks.views import (
    catalog,
    deliveries,
    filters,
    hook_create,
    hook_detail,
    hooks_list,
    monitoring,
    preview,
    sources,
    system_log,
    tokens,
)

app_name = "hooks"

hook_urls = [  # /eventhooks/<id>/...
    path("eventhooks/<str:hook_id>", hook_detail.hook_detail, name="hook-detail"),
    path("eventhooks/<str:hook_id>/edit", hook_detail.hook_edit, name="hook-edit"),
    path("eventhooks/<str:hook_id>/filters", filters.hook_filters, name="hook-filters"),
    path(
        "eventhooks/<str:hook_id>/filters/check",
        filters.hook_filter_check,
        name="hook-filter-check",
    ),
    path("eventhooks/<str:hook_id>/preview", preview.hook_preview, name="hook-preview"),
    path(
        "eventhooks/<str:hook_id>/preview/check",
        preview.hook_preview_check,
        name="hook-preview-check",
    ),
    path(
        "eventhooks/<str:hook_id>/preview/deliver",
        preview.hook_preview_deliver,
        name="hook-preview-deliver",
    ),
    path(
        "eventhooks/<str:hook_id>/activate",
        hook_detail.hook_activate_step,
        name="hook-activate-step",
    ),
    path("eventhooks/<str:hook_id>/activity", hook_detail.hook_activity, name="hook-activity"),
    path("eventhooks/<str:hook_id>/verify", hooks_list.hook_verify_view, name="hook-verify"),
    path(
        "eventhooks/<str:hook_id>/lifecycle/activate",
        hooks_list.hook_activate_view,
        name="hook-activate",
    ),
    path(
        "eventhooks/<str:hook_id>/lifecycle/deactivate",
        hooks_list.hook_deactivate_view,
        name="hook-deactivate",
    ),
    path("eventhooks/<str:hook_id>/delete", hooks_list.hook_delete_view, name="hook-delete"),
    path(
        "eventhooks/<str:hook_id>/secret/rotate",
        hook_detail.hook_rotate_secret,
        name="hook-rotate-secret",
    ),
]

delivery_urls = [  # /eventhooks/<id>/deliveries/...
    path("eventhooks/<str:hook_id>/deliveries", deliveries.hook_deliveries, name="hook-deliveries"),
    path(
        "eventhooks/<str:hook_id>/deliveries/<int:delivery_id>/redeliver",
        deliveries.delivery_redeliver_view,
        name="delivery-redeliver",
    ),
    path(
        "eventhooks/<str:hook_id>/deliveries/redeliver-failed",
        deliveries.deliveries_redeliver_failed,
        name="deliveries-redeliver-failed",
    ),
    path(
        "eventhooks/<str:hook_id>/deliveries/redelivery",
        deliveries.redelivery_progress,
        name="redelivery-progress",
    ),
    path(
        "eventhooks/<str:hook_id>/deliveries/send-now",
        deliveries.deliveries_send_now,
        name="deliveries-send-now",
    ),
]

page_urls = [
    path("", hooks_list.hook_list, name="hook-list"),
    path("eventhooks/new", hook_create.hook_create_view, name="hook-create"),
    path("catalog", catalog.catalog, name="catalog"),
    path("catalog/<str:name>", catalog.event_type_detail, name="event-type-detail"),
    path("logs", system_log.system_log, name="system-log"),
    path("tokens", tokens.tokens, name="tokens"),
    path("tokens/<str:token_id>/revoke", tokens.token_revoke_view, name="token-revoke"),
    path("healthz", monitoring.healthz, name="healthz"),
    path("sources", sources.source_list, name="source-list"),
    path("sources/<str:source_id>", sources.source_detail, name="source-detail"),
    path(
        "sources/<str:source_id>/lifecycle/activate",
        sources.source_activate_view,
        name="source-activate",
    ),
    path(
        "sources/<str:source_id>/lifecycle/deactivate",
        sources.source_deactivate_view,
        name="source-deactivate",
    ),
    path("sources/<str:source_id>/delete", sources.source_delete_view, name="source-delete"),
]

# "eventhooks/new" must come before "eventhooks/<id>", so the fixed pages go first.
urlpatterns = [*page_urls, *hook_urls, *delivery_urls]
