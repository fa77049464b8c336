"""Form fields shared by the console's forms."""

from __future__ import annotations

from datetime import UTC

from django import forms


class UtcDateTimeField(forms.DateTimeField):
    """A DateTimeField whose value is in UTC, and a field error when it cannot be.

    `0001-01-01T00:00:00+01:00` parses, but is before year 1 in UTC: the database
    query converting it would raise OverflowError (a 500) instead of a form error.
    """

    default_error_messages = {"out_of_range": "Enter a date and time between years 1 and 9999."}

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None
