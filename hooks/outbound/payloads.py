"""The exact bytes sent to an endpoint: Okta's envelope around System Log events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hooks.lib.timestamps import format_timestamp
from hooks.ops.org import org_url


def envelope(
    *, hook_id: str, envelope_id: str, events: list[dict], now: datetime | None = None
) -> dict:
    """Okta's delivery envelope (reference §3.2), keys in Okta's order."""
    return {
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": f"{org_url()}/api/v1/eventHooks/{hook_id}",
        "eventId": envelope_id,
        "data": {"events": events},
        "eventTime": format_timestamp(now or datetime.now(UTC)),
        "contentType": "application/json",
    }


def encode(document: dict) -> str:
    """Compact JSON text; its UTF-8 bytes are what is signed and sent."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


# Where the events go in an encoded envelope. Unique: inside a JSON string every quote
# is escaped, so this quote-colon-bracket sequence can only be the envelope's own key.
_NO_EVENTS = '"events":[]'


def encode_envelope(
    *, hook_id: str, envelope_id: str, encoded_events: list[str], now: datetime | None = None
) -> str:
    """encode(envelope(...)) for events already encoded one by one with encode(): claims
    encode each event once, to measure it against HOOKS_MAX_BATCH_BYTES and to send it."""
    empty = encode(envelope(hook_id=hook_id, envelope_id=envelope_id, events=[], now=now))
    head, tail = empty.split(_NO_EVENTS)
    return f'{head}"events":[{",".join(encoded_events)}]{tail}'


def base_headers() -> dict[str, str]:
    """Headers every delivery carries before the hook's own and the signature."""
    return {"Accept": "application/json", "Content-Type": "application/json"}
