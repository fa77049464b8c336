"""Deliveries, their attempts, and the slots of the tasks sending them."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from hooks.models.hooks import EventHook


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
