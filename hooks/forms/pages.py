"""Small forms of the list pages: delivery and System Log filters, API token creation."""

from __future__ import annotations

from django import forms

from hooks.forms.fields import UtcDateTimeField
from hooks.models import Delivery

_MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DeliveryFilterForm(forms.Form):
    """Deliveries tab filters (GET): status and a time window, in UTC."""

    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Delivery.Status.choices]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Delivery.Kind.choices])
    since = UtcDateTimeField(required=False, label="From (UTC)", widget=_MOMENT)
    until = UtcDateTimeField(required=False, label="Until (UTC)", widget=_MOMENT)


class LogFilterForm(forms.Form):
    """System Log filters (GET): event type, actor, and a time window in UTC."""

    event_type = forms.CharField(
        required=False, label="Event type",
        widget=forms.TextInput(attrs={"list": "event-type-names", "placeholder": "any"}),
    )  # fmt: skip
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
        self.fields["source"].choices = [("", "any"), *names]


class TokenCreateForm(forms.Form):
    """A name to recognise the token by later."""

    name = forms.CharField(
        max_length=255, label="Token name",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Terraform CI"}),
    )  # fmt: skip
