"""The console's form for creating a source; the rules are
hooks.sources.validation's."""

from __future__ import annotations

from django import forms

from hooks.models import Source


class SourceCreateForm(forms.Form):
    name = forms.CharField(
        max_length=255,
        label="Name",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Acme production org"}),
    )
    type = forms.ChoiceField(
        label="How events come in",
        choices=[
            (Source.Type.OKTA_EVENT_HOOK, "Okta event hook → our ingest URL"),
            (Source.Type.OKTA_SYSTEM_LOG, "Read the org's System Log (API token)"),
        ],
    )
    auth_key = forms.CharField(
        required=False,
        max_length=100,
        initial="Authorization",
        label="Header Okta sends (event hook)",
    )
    auth_value = forms.CharField(
        required=False,
        label="Its value (event hook)",
        widget=forms.PasswordInput(render_value=False),
    )
    org_url = forms.CharField(
        required=False,
        max_length=1024,
        label="Org URL (reader)",
        widget=forms.TextInput(attrs={"placeholder": "https://acme.okta.com"}),
    )
    token = forms.CharField(
        required=False,
        label="API token (reader; read-only admin is enough)",
        widget=forms.PasswordInput(render_value=False),
    )
    filter = forms.CharField(
        required=False,
        max_length=1024,
        label="System Log filter (reader)",
        widget=forms.TextInput(attrs={"placeholder": 'eventType sw "user."'}),
    )

    def spec(self):
        from hooks.sources.validation import SourceSpec

        data = self.cleaned_data
        hook = data["type"] == Source.Type.OKTA_EVENT_HOOK
        return SourceSpec(
            name=data["name"],
            type=data["type"],
            auth_key=data["auth_key"] if hook else "",
            auth_value=data["auth_value"] if hook else None,
            org_url="" if hook else data["org_url"],
            token=None if hook else data["token"],
            filter="" if hook else data["filter"],
        )

    def add_causes(self, causes: list[str]) -> None:
        """Show each 'field: message' cause next to its field (the rest on the form)."""
        fields = {
            "name": "name",
            "type": "type",
            "config.authScheme.key": "auth_key",
            "config.authScheme.value": "auth_value",
            "config.orgUrl": "org_url",
            "config.token": "token",
            "config.filter": "filter",
        }
        for cause in causes:
            where, _, message = cause.partition(": ")
            self.add_error(fields.get(where), message or cause)
