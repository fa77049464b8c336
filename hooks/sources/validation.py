"""What a valid source is: one set of rules for the API and the console.

Causes are Okta-style "field: message" sentences, as for hooks (hooks/eventhooks/validation.py);
header names and values follow the same rules as a hook's auth header
(hooks/outbound/header_rules.py), and an org URL the same SSRF and port policy as a hook URI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from hooks.eventhooks.validation import auth_key_causes, secret_causes
from hooks.models import Source
from hooks.outbound.ssrf import validate_uri_syntax
from hooks.systemlog.query import LogQueryError, compile_filter

KEEP_SECRET = None  # SourceSpec.auth_value / token: "keep the stored secret"
MAX_FILTER_LENGTH = 1024


class SourceValidationError(Exception):
    """A source spec broke one or more rules; `causes` are 'field: message' sentences."""

    def __init__(self, causes: list[str]):
        super().__init__("; ".join(causes))
        self.causes = causes


@dataclass
class SourceSpec:
    """Everything a user can set on a source, in plain Python types."""

    name: str
    type: str
    auth_key: str = ""
    auth_value: str | None = KEEP_SECRET  # OKTA_EVENT_HOOK; None keeps, "" clears
    org_url: str = ""  # OKTA_SYSTEM_LOG
    token: str | None = KEEP_SECRET
    filter: str = ""
    since: datetime | None = None
    status: str | None = None  # None keeps the current status (ACTIVE on create)


def normalized_org_url(url: str) -> str:
    """`https://acme.okta.com/` -> `https://acme.okta.com` (the reader appends paths)."""
    return url.rstrip("/")


def _validate_name(spec: SourceSpec, instance: Source | None) -> list[str]:
    if not isinstance(spec.name, str) or not spec.name.strip():
        return ["name: The field cannot be left blank"]
    if len(spec.name) > 255:
        return ["name: Must be at most 255 characters"]
    if any(ch in spec.name for ch in "\r\n\x00"):
        return ["name: Must not contain line breaks"]
    clash = Source.objects.filter(name=spec.name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        return [f"name: A source named '{spec.name}' already exists"]
    return []


def _validate_type(spec: SourceSpec, instance: Source | None) -> list[str]:
    if spec.type not in Source.Type.values:
        return [f"type: Must be one of {', '.join(Source.Type.values)}"]
    if instance is not None and spec.type != instance.type:
        return ["type: The type of a source cannot be changed; create another source"]
    return []


def _validate_event_hook(spec: SourceSpec, instance: Source | None) -> list[str]:
    where = "config.authScheme"
    causes = []
    if not spec.auth_key:
        # Without a secret anyone who learns the URL could write into the System Log.
        return [f"{where}.key: The ingest URL needs a header to check (e.g. Authorization)"]
    causes += auth_key_causes(where, spec.auth_key)
    kept = (
        spec.auth_value is KEEP_SECRET
        and instance is not None
        and instance.auth_key == spec.auth_key
        and bool(instance.auth_value_encrypted)
    )
    if not kept and not spec.auth_value:
        causes.append(f"{where}.value: The field cannot be left blank")
    elif spec.auth_value:
        causes += secret_causes(f"{where}.value", spec.auth_key, spec.auth_value)
    return causes


def _validate_system_log(spec: SourceSpec, instance: Source | None) -> list[str]:

    causes = []
    if not spec.org_url:
        causes.append("config.orgUrl: The field cannot be left blank")
    elif problem := validate_uri_syntax(spec.org_url):
        causes.append(f"config.orgUrl: {problem}")
    else:
        parts = urlsplit(spec.org_url)
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            causes.append("config.orgUrl: Give the org's address only, e.g. https://acme.okta.com")
    if spec.token is KEEP_SECRET and instance is not None and instance.token_encrypted:
        pass
    elif not spec.token:
        causes.append("config.token: The field cannot be left blank")
    else:
        # Sent as "Authorization: SSWS <token>": the same rules as a hook's secret.
        causes += secret_causes("config.token", "Authorization", spec.token)
    if spec.filter:
        if len(spec.filter) > MAX_FILTER_LENGTH:
            causes.append(f"config.filter: Must be at most {MAX_FILTER_LENGTH} characters")
        else:
            try:
                compile_filter(spec.filter)
            except LogQueryError as error:
                causes.append(f"config.filter: {error}")
    return causes


def validate_source_spec(spec: SourceSpec, *, instance: Source | None = None) -> None:
    """Raise SourceValidationError listing every broken rule; return None when all hold."""
    causes = [*_validate_name(spec, instance), *_validate_type(spec, instance)]
    if spec.type == Source.Type.OKTA_EVENT_HOOK:
        causes += _validate_event_hook(spec, instance)
    elif spec.type == Source.Type.OKTA_SYSTEM_LOG:
        causes += _validate_system_log(spec, instance)
    if spec.status is not None and spec.status not in Source.Status.values:
        causes.append("status: Must be ACTIVE or INACTIVE")
    if causes:
        raise SourceValidationError(causes)
