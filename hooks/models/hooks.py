"""Event types, event hooks and sources: what an admin configures."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from hooks.lib import encryption
from hooks.lib.ids import new_hook_id, new_source_id, new_user_external_id


class EventType(models.Model):
    """One entry of the event catalog, such as `user.lifecycle.create`."""

    name = models.CharField(max_length=255, unique=True)
    label = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=100, db_index=True)
    hook_eligible = models.BooleanField(default=True)
    beta = models.BooleanField(default=False)
    display_message = models.CharField(max_length=255, blank=True)
    target_types = models.JSONField(default=list, blank=True)
    actor_type = models.CharField(max_length=100, default="User")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserIdentity(models.Model):
    """The stable Okta-style external id (`00u…`) of a console user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity"
    )
    external_id = models.CharField(max_length=20, unique=True, default=new_user_external_id)

    class Meta:
        ordering = ["external_id"]
        verbose_name_plural = "user identities"

    def __str__(self) -> str:
        return self.external_id


class EventHook(models.Model):
    """An HTTPS endpoint subscribed to some event types (Okta's EventHook object)."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        INACTIVE = "INACTIVE"

    class Verification(models.TextChoices):
        UNVERIFIED = "UNVERIFIED"
        VERIFIED = "VERIFIED"

    id = models.CharField(primary_key=True, max_length=20, default=new_hook_id, editable=False)
    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    verification_status = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    # Event type names; Okta treats them as a set, the order is kept for display.
    event_types = models.JSONField(default=list)
    # {event type name: Expression Language text}; only subscribed types appear.
    filters = models.JSONField(default=dict, blank=True)
    uri = models.CharField(max_length=1024)
    headers = models.JSONField(default=list, blank=True)  # [{"key": ..., "value": ...}]
    auth_key = models.CharField(max_length=255, blank=True)
    auth_value_encrypted = models.TextField(blank=True, editable=False)
    signing_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_signing_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_signing_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_external_id = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every change through hooks.eventhooks.services (replace, activate, deactivate).
    # Publishing reads it: a hook whose version changed between matching (outside the
    # transaction) and writing the outbox (inside) has the events matched again.
    version = models.PositiveIntegerField(default=1)
    # Delivery health, mirrored here so that list pages need no aggregate queries.
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_delivery_outcome = models.CharField(max_length=20, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "name"]  # ACTIVE sorts before INACTIVE
        indexes = [
            # Matching: "ACTIVE and VERIFIED hooks" on every publish.
            models.Index(fields=["status", "verification_status"], name="hook_deliverable_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/eventhooks/{self.id}"

    @property
    def is_deliverable(self) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.verification_status == self.Verification.VERIFIED
        )

    @property
    def auth_value(self) -> str:
        """The decrypted auth header value ('' when none is set)."""
        return encryption.decrypt(self.auth_value_encrypted)

    def set_auth_value(self, value: str) -> None:
        self.auth_value_encrypted = encryption.encrypt(value)

    @property
    def signing_secret(self) -> str:
        return encryption.decrypt(self.signing_secret_encrypted)


class Source(models.Model):
    """Where events come in from outside: an Okta event hook pointed at our ingest URL
    (OKTA_EVENT_HOOK), or a reader polling an Okta org's System Log (OKTA_SYSTEM_LOG)."""

    class Type(models.TextChoices):
        OKTA_EVENT_HOOK = "OKTA_EVENT_HOOK"
        OKTA_SYSTEM_LOG = "OKTA_SYSTEM_LOG"

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        INACTIVE = "INACTIVE"

    id = models.CharField(primary_key=True, max_length=20, default=new_source_id, editable=False)
    name = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # OKTA_EVENT_HOOK: the header Okta sends (the hook's authScheme), checked on every request.
    auth_key = models.CharField(max_length=255, blank=True)
    auth_value_encrypted = models.TextField(blank=True, editable=False)
    # OKTA_SYSTEM_LOG: the org, its API token, an optional System Log filter, the start.
    org_url = models.CharField(max_length=1024, blank=True)
    token_encrypted = models.TextField(blank=True, editable=False)
    filter = models.TextField(blank=True)
    since = models.DateTimeField(null=True, blank=True)
    # The reader's position: the `next` link to follow, written with the page's events.
    position = models.TextField(blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    # One reader at a time: a task holds the source by compare-and-set on these two.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # What the console and /metrics show.
    events_received = models.BigIntegerField(default=0)
    errors_total = models.BigIntegerField(default=0)
    last_event_at = models.DateTimeField(null=True, blank=True)
    newest_published = models.DateTimeField(null=True, blank=True)
    caught_up_at = models.DateTimeField(null=True, blank=True)  # the last empty page
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    recent_errors = models.JSONField(default=list, blank=True)  # [{"at", "error"}], newest first
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/sources/{self.id}"

    @property
    def auth_value(self) -> str:
        return encryption.decrypt(self.auth_value_encrypted)

    @property
    def token(self) -> str:
        return encryption.decrypt(self.token_encrypted)

    def lag_seconds(self, now=None) -> float | None:
        """How far behind the org a reader is: now minus the newest event read, or minus the
        last empty page (it was caught up then), whichever is later; None before any read."""
        from django.utils import timezone

        moments = [m for m in (self.newest_published, self.caught_up_at) if m is not None]
        if not moments:
            return None
        return max(0.0, ((now or timezone.now()) - max(moments)).total_seconds())
