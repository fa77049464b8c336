"""What went wrong with a source, kept for the console, /metrics and the API (`lastError`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hooks.lib.timestamps import format_timestamp
from hooks.models import Source


def record_error(source_id: str, error: str) -> None:
    """Remember a failure for the console, /metrics and the API (`lastError`)."""
    now = timezone.now()
    with transaction.atomic():
        source = Source.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            return
        recent = [{"at": format_timestamp(now), "error": error[:1000]}, *source.recent_errors]
        Source.objects.filter(pk=source_id).update(
            last_error=error[:2000],
            last_error_at=now,
            errors_total=F("errors_total") + 1,
            recent_errors=recent[:10],
        )
