"""Django admin for every model; the delivery pipeline and the System Log are read-only.

No stored secret is ever shown: EventHook's encrypted auth value and signing
secrets, and ApiToken's hash, are left out of every form and list.
"""

from __future__ import annotations

from django.contrib import admin

from hooks.models import (
    ApiToken,
    Delivery,
    DeliveryAttempt,
    Event,
    EventHook,
    EventType,
    Match,
    UserIdentity,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the pipeline: shown for inspection, never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "category", "hook_eligible", "beta")
    list_filter = ("category", "hook_eligible", "beta")
    search_fields = ("name", "label", "description")


@admin.register(UserIdentity)
class UserIdentityAdmin(admin.ModelAdmin):
    list_display = ("external_id", "user")
    search_fields = ("external_id", "user__username", "user__email")
    raw_id_fields = ("user",)


@admin.register(EventHook)
class EventHookAdmin(admin.ModelAdmin):
    """Hooks are created, verified and deleted in the console or the API (audited there)."""

    list_display = ("name", "id", "status", "verification_status", "uri", "last_delivery_outcome",
                    "last_delivery_at")  # fmt: skip
    list_filter = ("status", "verification_status")
    search_fields = ("id", "name", "uri")
    # Every stored secret is excluded, so no form or page of the admin can show one.
    exclude = (
        "auth_value_encrypted",
        "signing_secret_encrypted",
        "previous_signing_secret_encrypted",
    )
    readonly_fields = (
        "id", "verification_status", "created_at", "updated_at", "created_by",
        "created_by_external_id", "version",
        "last_delivery_at", "last_delivery_outcome", "last_success_at", "consecutive_failures",
        "failing_since", "previous_signing_secret_expires_at",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False  # a hook needs a signing secret and an audit entry: hook_create does both

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # only INACTIVE hooks may go, with an audit entry: hook_delete does both


@admin.register(Event)
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


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "hook", "kind", "status", "attempt_count", "last_status_code",
                    "created_at")  # fmt: skip
    list_filter = ("status", "kind")
    search_fields = ("event_id", "hook__id", "hook__name")
    list_select_related = ("hook",)
    inlines = (DeliveryAttemptInline,)


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("delivery", "number", "outcome", "response_status", "duration_ms", "started_at")
    list_filter = ("outcome",)
    list_select_related = ("delivery", "delivery__hook")


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "hook", "event", "delivery", "created_at")
    list_select_related = ("hook", "event", "delivery", "delivery__hook")
    raw_id_fields = ("hook", "event", "delivery")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made on the API Tokens page (shown once); here they can be renamed or revoked."""

    list_display = ("name", "id", "user", "token_hint", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("id", "name", "user__username")
    exclude = ("token_hash",)
    readonly_fields = ("id", "user", "token_hint", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False
