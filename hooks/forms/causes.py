"""Putting the service's Okta-style causes ("field: message") onto form fields."""

from __future__ import annotations

import re

from django import forms

# Longest prefixes first: the first that matches a cause names its form field.
FIELD_FOR_PREFIX: tuple[tuple[str, str | None], ...] = (
    ("channel.config.authScheme.value", "auth_value"),
    ("channel.config.authScheme", "auth_key"),
    ("channel.config.headers", "headers"),
    ("channel.config.uri", "uri"),
    ("events.filter", "filters"),
    ("events.items", "event_types"),
    ("events", "event_types"),
    ("description", "description"),
    ("name", "name"),
    ("status", None),
)
_HEADER_INDEX = re.compile(r"^channel\.config\.headers\[(\d+)\](?:\.(key|value))?$")


def split_cause(cause: str) -> tuple[str, str]:
    """('channel.config.uri', 'The URI must start with https://.') from one cause."""
    where, sep, message = cause.partition(": ")
    return (where, message) if sep else ("", cause)


def field_for(where: str) -> str | None:
    for prefix, field in FIELD_FOR_PREFIX:
        if where == prefix or where.startswith((prefix + ".", prefix + "[")):
            return field
    return None


def _readable(where: str, message: str) -> str:
    """Name the header row in words: people count from 1 and don't read JSON paths."""
    match = _HEADER_INDEX.match(where)
    if match:
        part = f" {match.group(2)}" if match.group(2) else ""
        return f"Header {int(match.group(1)) + 1}{part}: {message}"
    return message


def apply_causes(form: forms.Form, causes: list[str]) -> None:
    """Add each cause to the field it names (or to the form when none of its fields fits)."""
    for cause in causes:
        where, message = split_cause(cause)
        field = field_for(where)
        if field not in form.fields:
            field = None
        form.add_error(field, _readable(where, message))


def silence_errors(form: forms.Form) -> forms.Form:
    """Show a bound form again without judging it (after "add a row" or a search).

    Django validates a bound form the first time a template reads its errors;
    an empty error dict marks it as already validated with nothing to say.
    """
    form._errors = forms.utils.ErrorDict()  # type: ignore[attr-defined]  # private; not in the stubs
    return form
