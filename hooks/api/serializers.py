"""The EventHook object on the wire, exactly as Okta's API shapes it.

Input: Okta's JSON is parsed into a `HookSpec` (validation of business rules
lives in hooks.eventhooks.validation). Read-only fields that clients echo back (`id`,
`_links`, `verificationStatus`, `created`, ...) are ignored, never rejected.
Output: keys in Okta's order, `.000Z` timestamps, `_links` per status, and
never `authScheme.value`.
"""

from __future__ import annotations

from rest_framework import serializers

from hooks.api.errors import flatten_validation, validation_error
from hooks.eventhooks.validation import HookSpec
from hooks.lib.timestamps import format_timestamp
from hooks.models import EventHook


class HeaderSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True, trim_whitespace=False)
    value = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)


class AuthSchemeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["HEADER"], required=False, default="HEADER")
    key = serializers.CharField(allow_blank=True, required=False, default="")
    value = serializers.CharField(
        allow_blank=True, required=False, write_only=True, trim_whitespace=False
    )


class ChannelConfigSerializer(serializers.Serializer):
    uri = serializers.CharField(allow_blank=True, trim_whitespace=False)
    headers = HeaderSerializer(many=True, required=False, allow_null=True)
    authScheme = AuthSchemeSerializer(required=False, allow_null=True)
    method = serializers.CharField(required=False, read_only=True)


class ChannelSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["HTTP"])
    version = serializers.ChoiceField(choices=["1.0.0"])
    config = ChannelConfigSerializer()


class ConditionSerializer(serializers.Serializer):
    expression = serializers.CharField(allow_blank=True, trim_whitespace=False)
    version = serializers.CharField(required=False, allow_null=True, read_only=True)


class FilterMapEntrySerializer(serializers.Serializer):
    event = serializers.CharField()
    condition = ConditionSerializer()


class FilterSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["EXPRESSION_LANGUAGE"], required=False, default="EXPRESSION_LANGUAGE"
    )
    eventFilterMap = FilterMapEntrySerializer(many=True, required=False)


class EventsSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["EVENT_TYPE"])
    items = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    filter = FilterSerializer(required=False, allow_null=True)


class EventHookInputSerializer(serializers.Serializer):
    """Okta's EventHook request body (create and full replace)."""

    name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    status = serializers.ChoiceField(choices=["ACTIVE", "INACTIVE"], required=False)
    events = EventsSerializer()
    channel = ChannelSerializer()

    def to_spec(self) -> HookSpec:
        data = self.validated_data
        config = data["channel"]["config"]
        auth = config.get("authScheme") or {}
        filters: dict[str, str] = {}
        causes = []
        for entry in (data["events"].get("filter") or {}).get("eventFilterMap") or []:
            if entry["event"] in filters:
                causes.append(
                    f"events.filter.eventFilterMap: '{entry['event']}' has more than one filter"
                )
            filters[entry["event"]] = entry["condition"]["expression"]
        if causes:
            raise validation_error("events.filter", causes)
        return HookSpec(
            name=data["name"],
            description=data.get("description") or None,
            status=data.get("status"),
            event_types=list(data["events"]["items"]),
            filters=filters,
            uri=config["uri"],
            headers=[
                {"key": h["key"], "value": h.get("value", "")} for h in config.get("headers") or []
            ],
            auth_key=auth.get("key", "") or "",
            auth_value=auth.get("value"),
        )


def parse_hook_body(data) -> HookSpec:
    """Return the HookSpec in a request body, or raise an Okta 400 naming each problem."""
    if not isinstance(data, dict):
        raise validation_error("request", ["The body must be a JSON object (an EventHook)"])
    serializer = EventHookInputSerializer(data=data)
    if not serializer.is_valid():
        raise validation_error("eventHook", flatten_validation(serializer.errors))
    return serializer.to_spec()


def _link(href: str, *allow: str) -> dict:
    link: dict[str, object] = {"href": href}
    if allow:
        link["hints"] = {"allow": list(allow)}
    return link


def hook_links(hook: EventHook, base_url: str) -> dict:
    """`_links` as Okta returns them: ACTIVE has verify + deactivate, INACTIVE activate + delete."""
    self_href = f"{base_url}/api/v1/eventHooks/{hook.id}"
    if hook.status == EventHook.Status.ACTIVE:
        return {
            "self": _link(self_href),
            "verify": _link(f"{self_href}/lifecycle/verify", "POST"),
            "deactivate": _link(f"{self_href}/lifecycle/deactivate", "POST"),
        }
    return {
        "activate": _link(f"{self_href}/lifecycle/activate", "POST"),
        "self": _link(self_href),
        "delete": _link(self_href, "DELETE"),
    }


def hook_filter_object(hook: EventHook) -> dict | None:
    """`events.filter` in Okta's shape, or None when the hook has no filter."""
    if not hook.filters:
        return None
    return {
        "type": "EXPRESSION_LANGUAGE",
        "eventFilterMap": [
            {"event": event, "condition": {"version": None, "expression": expression}}
            for event, expression in hook.filters.items()
        ],
    }


def hook_representation(hook: EventHook, base_url: str) -> dict:
    """The EventHook object, keys in Okta's order."""
    auth_scheme = {"type": "HEADER", "key": hook.auth_key} if hook.auth_key else None
    return {
        "id": hook.id,
        "status": hook.status,
        "verificationStatus": hook.verification_status,
        "name": hook.name,
        "description": hook.description,
        "created": format_timestamp(hook.created_at, milliseconds=False),
        "createdBy": hook.created_by_external_id or None,
        "lastUpdated": format_timestamp(hook.updated_at, milliseconds=False),
        "events": {
            "type": "EVENT_TYPE",
            "items": list(hook.event_types),
            "filter": hook_filter_object(hook),
        },
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": hook.uri,
                "headers": [{"key": h["key"], "value": h["value"]} for h in hook.headers],
                "method": "POST",
                "authScheme": auth_scheme,
            },
        },
        "_links": hook_links(hook, base_url),
    }
