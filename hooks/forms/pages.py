"""Small forms of the list pages: delivery and System Log filters, API token creation."""

from __future__ import annotations

from typing import cast

from django import forms

from hooks.forms.fields import UtcDateTimeField
from hooks.models import Delivery

_MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DeliveryFilterForm(forms.Form):
    """Deliveries tab filters (GET): a search, status, kind and a time window, in UTC."""

    q = forms.CharField(
        required=False,
        max_length=255,
        label="Search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "eventId, event uuid, event type or actor",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Delivery.Status.choices]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Delivery.Kind.choices])
    since = UtcDateTimeField(required=False, label="From (UTC)", widget=_MOMENT)
    until = UtcDateTimeField(required=False, label="Until (UTC)", widget=_MOMENT)


class LogFilterForm(forms.Form):
    """System Log filters (GET): free text, event type prefix, actor, a time window in UTC."""

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "any text in the event"}),
    )
    event_type = forms.CharField(
        required=False,
        label="Event type starts with",
        # The page's <datalist> offers the catalog's names as the user types.
        widget=forms.TextInput(
            attrs={"list": "event-type-names", "placeholder": "e.g. user.session."}
        ),
    )
    actor = forms.CharField(
        required=False,
        label="Actor",
        widget=forms.TextInput(attrs={"placeholder": "id or alternateId"}),
    )
    since = UtcDateTimeField(required=False, label="From (UTC)", widget=_MOMENT)
    until = UtcDateTimeField(required=False, label="Until (UTC)", widget=_MOMENT)
    source = forms.ChoiceField(required=False, label="Source", choices=[("", "any")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from hooks.models import Source

        # Deleted sources' events keep their id: it is still accepted in the URL.
        names = list(Source.objects.order_by("name").values_list("id", "name"))
        wanted = self.data.get("source") if hasattr(self.data, "get") else None
        if wanted and wanted not in dict(names):
            names.append((wanted, wanted))
        cast(forms.ChoiceField, self.fields["source"]).choices = [("", "any"), *names]


class TokenCreateForm(forms.Form):
    """A name to recognise the token by later."""

    name = forms.CharField(
        max_length=255,
        label="Token name",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Terraform CI"}),
    )
