"""Step 1 of the creation flow and the Overview tab: a hook's details."""

from __future__ import annotations

from itertools import zip_longest
from typing import cast

from django import forms
from django.http import QueryDict

from hooks.eventhooks.validation import KEEP_SECRET, HookSpec
from hooks.models import EventHook
from hooks.outbound.header_rules import MAX_NAME_LENGTH

BLANK_HEADER_ROWS = 2  # what a browser without JavaScript gets to fill in at once


class HeaderRowsWidget(forms.Widget):
    """Reads `<name>_key` / `<name>_value` lists; the rows are drawn by _header_rows.html."""

    def value_from_datadict(self, data, files, name):
        if not hasattr(data, "getlist"):
            return []
        keys, values = data.getlist(f"{name}_key"), data.getlist(f"{name}_value")
        return [(key, value) for key, value in zip_longest(keys, values, fillvalue="")]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False


class HeadersField(forms.Field):
    """Custom headers as [{"key", "value"}]; rows left blank are dropped."""

    widget = HeaderRowsWidget

    def to_python(self, value) -> list[dict[str, str]]:
        rows = []
        for key, text in value or []:
            key, text = key.strip(), text.strip()
            if key or text:
                rows.append({"key": key, "value": text})
        return rows


class EventTypesField(forms.MultipleChoiceField):
    """Event type names; the service checks them against the catalog, with Okta's messages."""

    def valid_value(self, value) -> bool:
        return True


class HookDetailsForm(forms.Form):
    """Endpoint, name, description, authentication, custom headers and event types."""

    uri = forms.CharField(
        label="Endpoint URL",
        max_length=1024,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/okta/events"}),
        help_text="Must start with https:// and answer the one-time verification request.",
    )
    name = forms.CharField(
        label="Event hook name", max_length=255, help_text="Unique among this org's event hooks."
    )
    description = forms.CharField(
        required=False, max_length=4096, widget=forms.Textarea(attrs={"rows": 2})
    )
    auth_key = forms.CharField(
        label="Authentication field",
        required=False,
        max_length=MAX_NAME_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "Authorization", "autocomplete": "off"}),
        help_text="The header that carries the secret.",
    )
    auth_value = forms.CharField(
        label="Authentication secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Sent as the value of the authentication field. It is never shown again.",
    )
    clear_auth_value = forms.BooleanField(label="Remove the stored secret", required=False)
    headers = HeadersField(label="Custom headers", required=False)
    event_types = EventTypesField(label="Event types", required=False)

    def __init__(self, *args, hook: EventHook | None = None, **kwargs):
        self.hook = hook
        if hook is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "uri": hook.uri,
                "name": hook.name,
                "description": hook.description or "",
                "auth_key": hook.auth_key,
                "headers": hook.headers,
                "event_types": list(hook.event_types),
            }
        super().__init__(*args, **kwargs)
        if not self.has_stored_secret:
            del self.fields["clear_auth_value"]
        else:
            self.fields[
                "auth_value"
            ].help_text = "A secret is stored. Leave this blank to keep it; it is never shown."

    @property
    def has_stored_secret(self) -> bool:
        return self.hook is not None and bool(self.hook.auth_value_encrypted)

    @property
    def secret_was_typed(self) -> bool:
        """True when a secret came in but the form is shown again (it is never sent back)."""
        return self.is_bound and bool(self.data.get(self.add_prefix("auth_value")))

    def selected_event_types(self) -> list[str]:
        if self.is_bound:
            return cast(QueryDict, self.data).getlist(self.add_prefix("event_types"))
        return list(self.initial.get("event_types") or [])

    def header_rows(self, *, add: int = 0, remove: int | None = None) -> list[tuple[str, str]]:
        """Rows to draw: the filled ones (minus `remove`), then blank ones to type into."""
        if self.is_bound:
            raw = self.fields["headers"].widget.value_from_datadict(
                self.data, self.files, self.add_prefix("headers")
            )
        else:
            raw = [(h["key"], h["value"]) for h in self.initial.get("headers") or []]
        if remove is not None and 0 <= remove < len(raw):
            del raw[remove]
        filled = [(key, value) for key, value in raw if key.strip() or value.strip()]
        blanks = (BLANK_HEADER_ROWS if not filled else 1) + add
        return filled + [("", "")] * blanks

    def to_spec(self) -> HookSpec:
        """The HookSpec for hook_create / hook_replace (filters of dropped types go too)."""
        data = self.cleaned_data
        event_types = list(dict.fromkeys(data["event_types"]))
        if data.get("auth_value"):
            auth_value = data["auth_value"]
        elif data.get("clear_auth_value"):
            auth_value = ""
        else:
            auth_value = KEEP_SECRET if self.hook is not None else ""
        filters = {}
        if self.hook is not None:
            filters = {t: e for t, e in self.hook.filters.items() if t in event_types}
        return HookSpec(
            name=data["name"],
            uri=data["uri"].strip(),
            description=data["description"].strip() or None,
            event_types=event_types,
            filters=filters,
            headers=data["headers"],
            auth_key=data["auth_key"].strip(),
            auth_value=auth_value,
        )
