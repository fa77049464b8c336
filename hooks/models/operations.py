"""API tokens, worker heartbeats and shared rate counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from hooks.lib.ids import new_token_id


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
