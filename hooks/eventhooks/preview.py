"""Preview: show, let an admin edit, and send the exact request a hook would receive.

As Okta's, preview bypasses filters and works for any hook, verified or not. The
request goes out through the worker cluster (as a PREVIEW delivery), once, and
the caller waits for its result.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from hooks.catalog import sample_log_event
from hooks.delivery.dispatch import enqueue
from hooks.delivery.sender import send_delivery
from hooks.lib.bounded_json import JSONTooDeep, loads_bounded
from hooks.models import Delivery, Event, EventHook, EventType
from hooks.outbound import payloads
from hooks.outbound.redaction import REDACTED

RECENT_EVENTS = 20
WAIT_SECONDS = 15.0


class PreviewError(Exception):
    """The preview cannot be built or sent; the message says why."""


@dataclass(frozen=True)
class PreviewRequest:
    """What would be sent: URL, headers with secrets masked, and the JSON body text."""

    url: str
    headers: dict[str, str]
    body: str
    source_event_uuid: str | None  # None when a sample was used
    is_sample: bool


def recent_events(hook: EventHook, event_type: str, limit: int = RECENT_EVENTS) -> list[Event]:
    """The newest System Log events of `event_type` (for the preview's event picker)."""
    if event_type not in hook.event_types:
        return []
    return list(Event.objects.filter(event_type=event_type).order_by("-published", "-id")[:limit])


def masked_headers(hook: EventHook) -> dict[str, str]:
    """The headers a delivery carries, with the auth secret and signature masked."""
    headers = payloads.base_headers()
    headers["User-Agent"] = _user_agent()
    if hook.auth_key:
        headers[hook.auth_key] = REDACTED
    for header in hook.headers:
        headers[header["key"]] = header["value"]
    headers.update(
        {"webhook-id": "<eventId>", "webhook-timestamp": "<now>", "webhook-signature": "v1,…"}
    )
    return headers


def _user_agent() -> str:
    return settings.HOOKS_USER_AGENT


def preview_build(
    *, hook: EventHook, event_type: str, event_uuid: str | None = None
) -> PreviewRequest:
    """Build the request for `event_type`: from a real event (newest by default) or a sample."""
    if event_type not in hook.event_types:
        raise PreviewError(f"'{event_type}' is not one of this hook's event types.")
    event = None
    if event_uuid:
        event = Event.objects.filter(uuid=event_uuid, event_type=event_type).first()
        if event is None:
            raise PreviewError(f"No {event_type} event with uuid {event_uuid} in the System Log.")
    else:
        event = Event.objects.filter(event_type=event_type).order_by("-published", "-id").first()
    if event is not None:
        log_event, is_sample = event.data, False
    else:
        label = EventType.objects.filter(name=event_type).values_list("display_message", flat=True)
        log_event, is_sample = sample_log_event(event_type, label=label.first() or None), True
    document = payloads.envelope(hook_id=hook.id, envelope_id=str(uuid.uuid4()), events=[log_event])
    return PreviewRequest(
        url=hook.uri,
        headers=masked_headers(hook),
        body=json.dumps(document, indent=2, ensure_ascii=False),
        source_event_uuid=None if event is None else event.uuid,
        is_sample=is_sample,
    )


def parse_preview_body(body: str) -> dict:
    """Return the edited JSON body as a document, or raise PreviewError saying where it broke."""
    try:
        document = loads_bounded(body)
    except JSONTooDeep as error:
        raise PreviewError(f"The body is not accepted: {error}.") from None
    except json.JSONDecodeError as error:
        raise PreviewError(
            f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if not isinstance(document, dict):
        raise PreviewError("The body must be a JSON object (Okta's event hook envelope).")
    return document


def preview_deliver(*, hook: EventHook, body: str, wait: float = WAIT_SECONDS) -> Delivery:
    """Send `body` (as edited) once through the worker cluster; return the finished delivery.

    The eventId is replaced by a fresh one so that the signature's webhook-id and
    the body agree. Raises PreviewError for a body that is not a JSON object.
    """
    document = parse_preview_body(body)
    with transaction.atomic():
        delivery = Delivery.objects.create(
            hook=hook,
            kind=Delivery.Kind.PREVIEW,
            status=Delivery.Status.PENDING,
            event_count=len((document.get("data") or {}).get("events") or []),
        )
        document["eventId"] = str(delivery.envelope_id)
        delivery.body = payloads.encode(document)
        delivery.save(update_fields=["body"])
    enqueue("hooks.tasks.send_preview", delivery.pk, group="preview")
    deadline = time.monotonic() + wait
    while True:
        delivery.refresh_from_db()
        if delivery.status in (Delivery.Status.SUCCEEDED, Delivery.Status.FAILED):
            return delivery
        if time.monotonic() > deadline:
            raise PreviewError(
                f"No worker sent the preview within {wait:.0f} s. Is the worker cluster "
                "(manage.py qcluster) running?"
            )
        time.sleep(0.05)


def run_preview(delivery_id: int) -> bool:
    """Worker side: send a PENDING preview delivery once (no retries, no health impact)."""
    claimed = Delivery.objects.filter(
        pk=delivery_id, kind=Delivery.Kind.PREVIEW, status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.SENDING)
    if not claimed:
        return False
    delivery = Delivery.objects.select_related("hook").get(pk=delivery_id)
    return send_delivery(delivery, hook=delivery.hook)
