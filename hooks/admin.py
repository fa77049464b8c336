"""Django admin for every model, read-only: a window for super admins, not a back door.

Every change goes through hooks.eventhooks.services and hooks.access.tokens, reached from the
console or the API: validation (https, SSRF guard, filters), verification reset on a channel
change, the active-hook limit, and the System Log audit. An admin form would skip all
of that, so none of our models can be added, changed or deleted here; in particular a
revoked token stays revoked and the System Log is append-only.

No stored secret is ever shown: EventHook's encrypted auth value and signing
secrets, and ApiToken's hash, are left out of every form and list.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from hooks.access.admin_site import site
from hooks.models import (
    ApiToken,
    Delivery,
    DeliveryAttempt,
    Event,
    EventHook,
    EventType,
    OutboxEntry,
    Source,
    UserIdentity,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for inspection, never edited by hand (see the module's docstring)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EventType, site=site)
class EventTypeAdmin(ReadOnlyAdmin):
    list_display = ("name", "label", "category", "hook_eligible", "beta")
    list_filter = ("category", "hook_eligible", "beta")
    search_fields = ("name", "label", "description")


@admin.register(UserIdentity, site=site)
class UserIdentityAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "user")
    search_fields = ("external_id", "user__username", "user__email")
    raw_id_fields = ("user",)


@admin.register(EventHook, site=site)
class EventHookAdmin(ReadOnlyAdmin):
    """Hooks are created, changed, verified and deleted in the console or the API."""

    list_display = (
        "name",
        "id",
        "status",
        "verification_status",
        "uri",
        "last_delivery_outcome",
        "last_delivery_at",
    )
    list_filter = ("status", "verification_status")
    search_fields = ("id", "name", "uri")
    # An allow-list: no stored secret (auth value, signing secrets) is among them.
    fields = (
        "where_to_change",
        "id",
        "name",
        "description",
        "status",
        "verification_status",
        "event_types",
        "filters",
        "uri",
        "headers",
        "auth_key",
        "created_at",
        "created_by",
        "created_by_external_id",
        "updated_at",
        "version",
        "last_delivery_at",
        "last_delivery_outcome",
        "last_success_at",
        "consecutive_failures",
        "failing_since",
        "disabled_reason",
        "previous_signing_secret_expires_at",
    )
    readonly_fields = fields

    @admin.display(description="Changes")
    def where_to_change(self, hook: EventHook) -> str:
        return format_html(
            "Changes are made in the console or the API, which validate them, reset "
            "verification when the endpoint changes and record them in the System Log: "
            '<a href="{}">open this hook in the console</a>.',
            hook.get_absolute_url(),
        )


@admin.register(Source, site=site)
class SourceAdmin(ReadOnlyAdmin):
    """Sources are managed in the console or the API (validated, audited as source.*)."""

    list_display = ("name", "id", "type", "status", "events_received", "last_event_at")
    list_filter = ("type", "status")
    search_fields = ("id", "name", "org_url")
    # An allow-list: neither the auth value nor the API token is among them.
    fields = (
        "id",
        "name",
        "type",
        "status",
        "auth_key",
        "org_url",
        "filter",
        "since",
        "position",
        "next_poll_at",
        "lease_expires_at",
        "events_received",
        "errors_total",
        "last_event_at",
        "newest_published",
        "caught_up_at",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(Event, site=site)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("published", "event_type", "actor_id", "severity", "uuid")
    list_filter = ("severity",)
    search_fields = ("uuid", "event_type", "actor_id")
    date_hierarchy = "published"


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "outcome", "started_at", "duration_ms", "response_status", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery, site=site)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "envelope_id",
        "hook",
        "kind",
        "status",
        "attempt_count",
        "last_status_code",
        "created_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("envelope_id", "hook__id", "hook__name")
    list_select_related = ("hook",)
    inlines = (DeliveryAttemptInline,)


@admin.register(DeliveryAttempt, site=site)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("delivery", "number", "outcome", "response_status", "duration_ms", "started_at")
    list_filter = ("outcome",)
    list_select_related = ("delivery", "delivery__hook")


@admin.register(OutboxEntry, site=site)
class OutboxEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "hook", "event", "delivery", "created_at")
    list_select_related = ("hook", "event", "delivery", "delivery__hook")
    raw_id_fields = ("hook", "event", "delivery")


@admin.register(ApiToken, site=site)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are made and revoked on the API Tokens page (or by manage.py); revocation is final."""

    list_display = ("name", "id", "user", "token_hint", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("id", "name", "user__username")
    # An allow-list: the token's hash is not among them.
    fields = (
        "where_to_change",
        "id",
        "name",
        "user",
        "token_hint",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields

    @admin.display(description="Changes")
    def where_to_change(self, token: ApiToken) -> str:
        return format_html(
            'Tokens are created and revoked on the <a href="{}">API Tokens page</a> or with '
            "manage.py create_api_token / revoke_api_token; a revoked token stays revoked.",
            reverse("hooks:tokens"),
        )
