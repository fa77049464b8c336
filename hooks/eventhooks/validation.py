"""What a valid event hook is: one set of rules for the API and the console.

The API serializer and the console forms both build a `HookSpec` and call
`validate_hook_spec`, which returns Okta-style causes ("field: message").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from hooks.expressions import ExpressionError, compile_expression
from hooks.models import EventHook, EventType
from hooks.outbound import header_rules as rules
from hooks.outbound.ssrf import validate_uri_syntax

SIGNATURE_HEADERS = {"webhook-id", "webhook-timestamp", "webhook-signature"}
RESERVED_HEADERS = {
    "accept",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "user-agent",
    "x-okta-verification-challenge",
    *SIGNATURE_HEADERS,
}
KEEP_SECRET = None  # HookSpec.auth_value: "keep the stored secret"


class HookValidationError(Exception):
    """A hook spec broke one or more rules; `causes` are 'field: message' sentences."""

    def __init__(self, causes: list[str]):
        super().__init__("; ".join(causes))
        self.causes = causes


@dataclass
class HookSpec:
    """Everything a user can set on an event hook, in plain Python types."""

    name: str
    uri: str
    event_types: list[str]
    description: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    headers: list[dict[str, str]] = field(default_factory=list)
    auth_key: str = ""
    # None keeps the stored secret (only when the key is unchanged); "" clears it.
    auth_value: str | None = KEEP_SECRET
    status: str | None = None  # None keeps the current status (ACTIVE on create)


def _has_crlf(value: str) -> bool:
    return "\r" in value or "\n" in value or "\x00" in value


def _validate_name(spec: HookSpec, instance: EventHook | None) -> list[str]:
    if not spec.name or not spec.name.strip():
        return ["name: The field cannot be left blank"]
    if len(spec.name) > 255:
        return ["name: Must be at most 255 characters"]
    if _has_crlf(spec.name):
        return ["name: Must not contain line breaks"]
    clash = EventHook.objects.filter(name=spec.name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        return [f"name: An event hook named '{spec.name}' already exists"]
    return []


def _validate_uri(spec: HookSpec) -> list[str]:
    if not spec.uri:
        return ["channel.config.uri: The field cannot be left blank"]
    problem = validate_uri_syntax(spec.uri)
    return [f"channel.config.uri: {problem}"] if problem else []


def _validate_event_types(spec: HookSpec) -> list[str]:
    items = spec.event_types
    limit = settings.HOOKS_MAX_EVENT_TYPES
    if not items:
        return ["events.items: Subscribe to at least one event type"]
    if len(items) > limit:
        return [f"events.items: At most {limit} event types per hook, got {len(items)}"]
    if not all(isinstance(item, str) for item in items):
        return ["events.items: Every item must be an event type name (a string)"]
    known = dict(EventType.objects.filter(name__in=set(items)).values_list("name", "hook_eligible"))
    causes = []
    for item in dict.fromkeys(items):
        if item not in known:
            causes.append(f"events.items: '{item}' is not an event type in the catalog")
        elif not known[item]:
            causes.append(f"events.items: '{item}' is not eligible for event hooks")
    return causes


def _validate_filters(spec: HookSpec) -> list[str]:
    causes = []
    subscribed = set(spec.event_types)
    max_length = settings.HOOKS_FILTER_MAX_LENGTH
    for event_type, expression in spec.filters.items():
        where = f"events.filter.eventFilterMap[{event_type}]"
        if event_type not in subscribed:
            causes.append(f"{where}: '{event_type}' is not one of the hook's event types")
            continue
        if not isinstance(expression, str) or not expression.strip():
            causes.append(f"{where}: The expression cannot be left blank")
            continue
        try:
            compile_expression(expression, max_length=max_length)
        except ExpressionError as error:
            causes.append(f"{where}: {error}")
    return causes


def _validate_headers(spec: HookSpec) -> list[str]:
    if len(spec.headers) > rules.MAX_CUSTOM_HEADERS:
        # One cause, not one per header: thousands of rows deserve a single sentence.
        limit, count = rules.MAX_CUSTOM_HEADERS, len(spec.headers)
        return [f"channel.config.headers: At most {limit} custom headers, got {count}"]
    causes = []
    auth_key = spec.auth_key.strip().lower()
    seen: set[str] = set()
    for index, header in enumerate(spec.headers):
        where = f"channel.config.headers[{index}]"
        key, value = header.get("key", ""), header.get("value", "")
        if not isinstance(key, str) or not isinstance(value, str):
            causes.append(f"{where}: key and value must be strings")
            continue
        if not rules.is_valid_name(key):
            causes.append(f"{where}.key: '{key}' is not a valid header name")
        elif problem := rules.too_long(key, rules.MAX_NAME_LENGTH):
            causes.append(f"{where}.key: {problem}")
        elif key.lower() in RESERVED_HEADERS or (auth_key and key.lower() == auth_key):
            causes.append(f"{where}.key: '{key}' is reserved and cannot be set as a custom header")
        elif key.lower() in seen:
            causes.append(f"{where}.key: '{key}' appears more than once")
        seen.add(key.lower())
        problem = rules.too_long(value, rules.MAX_VALUE_LENGTH) or rules.value_problem(key, value)
        if problem:
            causes.append(f"{where}.value: {problem}")
    if not causes and rules.wire_size(spec.headers) > rules.MAX_CUSTOM_HEADER_BYTES:
        size, limit = rules.wire_size(spec.headers), rules.MAX_CUSTOM_HEADER_BYTES
        causes.append(
            f"channel.config.headers: The custom headers add up to {size} bytes; "
            f"at most {limit} are allowed"
        )
    return causes


def auth_key_causes(where: str, key: str) -> list[str]:
    """What is wrong with `key` as the name of the header that carries a secret (hooks and
    sources alike): a valid header name, not too long, and not one the transport owns."""
    if not rules.is_valid_name(key):
        return [f"{where}.key: '{key}' is not a valid header name"]
    if problem := rules.too_long(key, rules.MAX_NAME_LENGTH):
        return [f"{where}.key: {problem}"]
    if key.lower() in RESERVED_HEADERS:
        return [f"{where}.key: '{key}' is reserved and cannot carry the secret"]
    return []


def secret_causes(field: str, key: str, value: str) -> list[str]:
    """What is wrong with `value` (the input `field`) as the secret sent in header `key`:
    bounded, and something HTTP can carry."""
    problem = rules.too_long(value, rules.MAX_SECRET_LENGTH) or rules.value_problem(key, value)
    return [f"{field}: {problem}"] if problem else []


def _validate_auth(spec: HookSpec) -> list[str]:
    causes = []
    where = "channel.config.authScheme"
    if spec.auth_key:
        causes += auth_key_causes(where, spec.auth_key)
    elif spec.auth_value:
        causes.append(f"{where}.key: A header name is needed for the secret")
    if spec.auth_value:
        causes += secret_causes(f"{where}.value", spec.auth_key or "the secret", spec.auth_value)
    return causes


def _validate_status(spec: HookSpec, instance: EventHook | None) -> list[str]:
    if spec.status is None:
        return []
    if spec.status not in EventHook.Status.values:
        return ["status: Must be ACTIVE or INACTIVE"]
    return []


def validate_hook_spec(spec: HookSpec, *, instance: EventHook | None = None) -> None:
    """Raise HookValidationError listing every broken rule; return None when all hold."""
    causes = [
        *_validate_name(spec, instance),
        *_validate_uri(spec),
        *_validate_event_types(spec),
        *_validate_filters(spec),
        *_validate_headers(spec),
        *_validate_auth(spec),
        *_validate_status(spec, instance),
    ]
    if spec.description is not None and len(spec.description) > 4096:
        causes.append("description: Must be at most 4096 characters")
    if causes:
        raise HookValidationError(causes)


def check_active_limit(*, exclude: EventHook | None = None) -> None:
    """Raise HookValidationError when one more ACTIVE hook would pass HOOKS_MAX_ACTIVE."""
    active = EventHook.objects.filter(status=EventHook.Status.ACTIVE)
    if exclude is not None:
        active = active.exclude(pk=exclude.pk)
    limit = settings.HOOKS_MAX_ACTIVE
    if active.count() >= limit:
        raise HookValidationError(
            [f"status: At most {limit} event hooks can be ACTIVE; deactivate one first"]
        )
