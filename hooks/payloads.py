"""The exact bytes sent to an endpoint: Okta's envelope around System Log events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hooks.log_events import format_timestamp
from hooks.org import org_url


def envelope(
    *, hook_id: str, event_id: str, events: list[dict], now: datetime | None = None
) -> dict:
    """Okta's delivery envelope (reference §3.2), keys in Okta's order."""
    return {
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": f"{org_url()}/api/v1/eventHooks/{hook_id}",
        "eventId": event_id,
        "data": {"events": events},
        "eventTime": format_timestamp(now or datetime.now(UTC)),
        "contentType": "application/json",
    }


def encode(document: dict) -> str:
    """Compact JSON text; its UTF-8 bytes are what is signed and sent."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def base_headers() -> dict[str, str]:
    """Headers every delivery carries before the hook's own and the signature."""
    return {"Accept": "application/json", "Content-Type": "application/json"}
