"""Data of the Event Hooks Console: catalog, hooks, System Log, outbox, deliveries, tokens."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from hooks.lib import encryption
from hooks.lib.ids import new_hook_id, new_source_id, new_token_id, new_user_external_id


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


class Event(models.Model):
    """One System Log entry: a full Okta LogEvent plus indexed columns."""

    uuid = models.CharField(max_length=64, unique=True)
    published = models.DateTimeField(db_index=True)
    event_type = models.CharField(max_length=255)
    actor_id = models.CharField(max_length=255, blank=True)  # indexed with the time, below
    severity = models.CharField(max_length=10, default="INFO")
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    # The source an event came in from (None: published here). No constraint: the System
    # Log keeps saying where an event came from after its source is deleted.
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-published", "-id"]
        indexes = [
            # "This type's events by time", in either direction: preview, backtest, and the
            # System Log filtered by eventType. With `id` the index gives the full order, so
            # SQLite's planner no longer prefers the plain `published` index and walks every
            # event in the window (measured: 161 -> ~7 ms for 100 of 1,000,000 events).
            models.Index(fields=["event_type", "published", "id"], name="event_type_time_idx"),
            # The same for one actor (System Log `actor.id eq`/`sw`, the console's actor
            # filter): an ordered range, also for an actor with most of the events, where
            # the plain actor_id index it replaces made the database sort them all.
            models.Index(fields=["actor_id", "published", "id"], name="event_actor_time_idx"),
            # The System Log of one source, by time.
            models.Index(fields=["source", "published", "id"], name="event_source_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.uuid}"


class Delivery(models.Model):
    """One HTTP message (an envelope of one or more events) to one hook."""

    class Status(models.TextChoices):
        PENDING = "PENDING"
        SENDING = "SENDING"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"

    class Kind(models.TextChoices):
        EVENTS = "EVENTS"
        PREVIEW = "PREVIEW"
        VERIFICATION = "VERIFICATION"

    hook = models.ForeignKey(EventHook, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.EVENTS)
    # The envelope's eventId (not an Event: OutboxEntry.event is that). The column keeps its
    # old name.
    envelope_id = models.UUIDField(default=uuid.uuid4, unique=True, db_column="event_id")
    body = models.TextField(blank=True)  # the exact bytes sent, UTF-8
    event_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    redelivery_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redeliveries",
        db_index=False,  # a partial index below: nearly every row is NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # Delivery log: keyset pages of one hook's deliveries, newest first.
            models.Index(fields=["hook", "-created_at", "-id"], name="delivery_hook_created_idx"),
            # Sweeper: "PENDING deliveries whose retry is due".
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=Q(status="PENDING"),
            ),
            # Sweeper: "SENDING deliveries whose lease expired" (a worker died).
            models.Index(
                fields=["lease_expires_at"],
                name="delivery_lease_idx",
                condition=Q(status="SENDING"),
            ),
            # Console: "Redeliver all failed" and the FAILED filter of one hook's log.
            models.Index(
                fields=["hook", "-created_at"],
                name="delivery_failed_idx",
                condition=Q(status="FAILED"),
            ),
            # Purge: oldest deliveries first.
            models.Index(fields=["created_at"], name="delivery_created_idx"),
            # "Which delivery replaced this one?", asked for every row of a log page. Only
            # the rows that are redeliveries: with a plain index SQLite's statistics say
            # "every value matches every row" (nearly all are NULL), and its planner walked
            # the created_at index instead, once per row (3 s a page at 100,000 deliveries).
            models.Index(
                fields=["redelivery_of"],
                name="delivery_redelivery_of_idx",
                condition=Q(redelivery_of__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.envelope_id} -> {self.hook_id} ({self.status})"


class OutboxEntry(models.Model):
    """The outbox: one event matched to one hook, waiting until a Delivery claims it (and
    then kept, pointing at that delivery). Metrics still call these rows "matches"
    (hooks_queue_unclaimed_matches): those names are public and stay."""

    hook = models.ForeignKey(EventHook, on_delete=models.CASCADE, related_name="outbox_entries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="outbox_entries")
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "hooks_match"  # the table of the model's old name, Match
        ordering = ["id"]
        verbose_name_plural = "outbox entries"
        indexes = [
            # Worker claim: "the oldest unclaimed entries of this hook".
            models.Index(
                fields=["hook", "id"], name="match_unclaimed_idx", condition=Q(delivery=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.hook_id}"


class DeliveryAttempt(models.Model):
    """One HTTP try of a delivery, written before the request and completed after."""

    class Outcome(models.TextChoices):
        IN_PROGRESS = "IN_PROGRESS"
        SUCCESS = "SUCCESS"
        FAILURE = "FAILURE"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.IN_PROGRESS)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    request_headers = models.JSONField(default=dict)  # secrets redacted
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"


class ApiToken(models.Model):
    """An API token; only its SHA-256 is stored, the token itself is shown once."""

    id = models.CharField(primary_key=True, max_length=20, default=new_token_id, editable=False)
    name = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(max_length=12, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Heartbeat(models.Model):
    """When a worker process was last seen alive (for /healthz and hooks_status)."""

    name = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class RateCounter(models.Model):
    """API requests of one caller in the current minute, shared by every web process
    (a per-process cache would multiply the limit by the number of gunicorn workers)."""

    caller = models.CharField(primary_key=True, max_length=100)
    minute = models.BigIntegerField()  # Unix time // 60 of the counted window
    used = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.caller}: {self.used} in minute {self.minute}"


class SenderSlot(models.Model):
    """One of a hook's HOOKS_MAX_SENDERS_PER_HOOK sender slots, held by a task sending its
    outbox (hooks.delivery.sender_slots). A row while held or expired; a crashed holder's
    slot is free again once `expires_at` has passed."""

    hook = models.ForeignKey(EventHook, on_delete=models.CASCADE, related_name="sender_slots")
    number = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=32)  # a random id of the holding task
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hook", "number"], name="sender_slot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.hook_id} #{self.number} until {self.expires_at:%H:%M:%S}"
