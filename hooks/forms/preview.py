"""Step 3 of the creation flow and the Preview tab: the request body, possibly edited."""

from __future__ import annotations

from django import forms

from hooks.eventhooks.preview import PreviewError, parse_preview_body


class PreviewBodyForm(forms.Form):
    """The JSON body to deliver; errors say the line and column where the JSON broke."""

    event_type = forms.CharField(required=False, widget=forms.HiddenInput)
    event = forms.CharField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "code"}),
        error_messages={"required": "The body cannot be empty."},
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        try:
            parse_preview_body(body)
        except PreviewError as error:
            raise forms.ValidationError(str(error)) from None
        return body
