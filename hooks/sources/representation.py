"""A source as the API shows it, and a request body as a SourceSpec.

Secrets (`authScheme.value`, `token`) are write-only: never returned. As for hooks, a PUT
without them keeps the stored ones (GET -> modify -> PUT works).
"""

from __future__ import annotations

from typing import Any

from hooks.models import Source
from hooks.sources.reader import lag_seconds
from hooks.sources.validation import SourceSpec, SourceValidationError
from hooks.systemlog.events import format_timestamp, parse_timestamp


def ingest_url(source: Source, base: str) -> str:
    return f"{base}/ingest/okta/{source.id}"


def _time(moment) -> str | None:
    return format_timestamp(moment) if moment else None


def source_representation(source: Source, base: str) -> dict:
    config: dict = {}
    if source.type == Source.Type.OKTA_EVENT_HOOK:
        config = {"authScheme": {"type": "HEADER", "key": source.auth_key}}
    else:
        config = {
            "orgUrl": source.org_url,
            "filter": source.filter or None,
            "since": _time(source.since),
        }
    body: dict[str, Any] = {
        "id": source.id,
        "name": source.name,
        "type": source.type,
        "status": source.status,
        "config": config,
        "created": _time(source.created_at),
        "lastUpdated": _time(source.updated_at),
        "eventsReceived": source.events_received,
        "lastEventAt": _time(source.last_event_at),
        "lastError": source.last_error or None,
        "lastErrorAt": _time(source.last_error_at),
    }
    if source.type == Source.Type.OKTA_EVENT_HOOK:
        body["ingestUrl"] = ingest_url(source, base)
    else:
        body["lagSeconds"] = lag_seconds(source)
    href = f"{base}/api/v1/sources/{source.id}"
    post = {"hints": {"allow": ["POST"]}}
    if source.status == Source.Status.ACTIVE:
        links = {
            "self": {"href": href},
            "deactivate": {"href": f"{href}/lifecycle/deactivate", **post},
        }
    else:
        links = {
            "activate": {"href": f"{href}/lifecycle/activate", **post},
            "self": {"href": href},
            "delete": {"href": href, "hints": {"allow": ["DELETE"]}},
        }
    body["_links"] = links
    return body


def _text(value, where: str, causes: list[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        causes.append(f"{where}: Must be a string")
        return ""
    return value


def parse_source_body(data: object) -> SourceSpec:
    """Build a SourceSpec from a request body, or raise SourceValidationError (shape)."""
    if not isinstance(data, dict):
        raise SourceValidationError(["source: The body must be a JSON object"])
    causes: list[str] = []
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise SourceValidationError(["config: Must be an object"])
    auth = config.get("authScheme") or {}
    if not isinstance(auth, dict):
        causes.append("config.authScheme: Must be an object")
        auth = {}
    if auth.get("type") not in (None, "HEADER"):
        causes.append("config.authScheme.type: Must be HEADER")
    since = None
    if config.get("since") is not None:
        since = parse_timestamp(config["since"])
        if since is None:
            causes.append("config.since: Must be an ISO-8601 timestamp, e.g. 2026-01-01T00:00:00Z")
    auth_value = auth.get("value")
    token = config.get("token")
    spec = SourceSpec(
        name=_text(data.get("name"), "name", causes),
        type=_text(data.get("type"), "type", causes),
        auth_key=_text(auth.get("key"), "config.authScheme.key", causes),
        auth_value=None
        if auth_value is None
        else _text(auth_value, "config.authScheme.value", causes),
        org_url=_text(config.get("orgUrl"), "config.orgUrl", causes),
        token=None if token is None else _text(token, "config.token", causes),
        filter=_text(config.get("filter"), "config.filter", causes),
        since=since,
        status=data.get("status") if isinstance(data.get("status"), str) else None,
    )
    if causes:
        raise SourceValidationError(causes)
    return spec
