"""Step 2 of the creation flow and the Filters tab: one filter per subscribed event type."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import QueryDict

from hooks.expressions import (
    FILTER_FIELDS,
    ExpressionError,
    FilterRow,
    compile_expression,
    expression_to_rows,
    rows_to_expression,
)
from hooks.models import EventHook, EventType

SIMPLE, ADVANCED = "simple", "advanced"


@dataclass(frozen=True)
class ExpressionProblem:
    """Why a filter cannot be used; `position` is the 1-based column in `text`, when known."""

    message: str
    text: str = ""
    position: int | None = None

    @property
    def before(self) -> str:
        return self.text[: (self.position or 1) - 1]

    @property
    def at(self) -> str:
        return self.text[(self.position or 1) - 1 : self.position or 1] or " "

    @property
    def after(self) -> str:
        return self.text[self.position or 1 :]


class FilterSectionForm(forms.Form):
    """The filter of one event type: builder rows (simple) or an EL expression (advanced)."""

    field_choices = list(FILTER_FIELDS)
    apply = forms.BooleanField(label="Apply filter", required=False)
    mode = forms.ChoiceField(
        choices=[(SIMPLE, "Simple conditions"), (ADVANCED, "Okta Expression Language")],
        widget=forms.RadioSelect,
        initial=SIMPLE,
    )
    expression = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "code"}),
    )

    # Set by filter_sections and the views: the section's position, the rows to draw, and
    # the result of a live check.
    index: int
    display_rows: list[tuple[str, str]]
    check: dict[str, Any]

    def __init__(self, *args, event_type: EventType | str, stored: str = "", **kwargs):
        self.event_type = event_type if isinstance(event_type, str) else event_type.name
        self.label = getattr(event_type, "label", "")
        self.initial_rows: list[tuple[str, str]] = []
        if "initial" not in kwargs:
            rows = expression_to_rows(stored) if stored else None
            kwargs["initial"] = {
                "apply": bool(stored),
                "mode": SIMPLE if rows or not stored else ADVANCED,
                "expression": stored,
            }
            self.initial_rows = [(r.field, r.value) for r in rows or []]
        super().__init__(*args, **kwargs)

    def raw_rows(self) -> list[tuple[str, str]]:
        if not self.is_bound:
            return list(self.initial_rows)
        data = cast(QueryDict, self.data)  # bound to request.POST
        fields = data.getlist(self.add_prefix("row_field"))
        values = data.getlist(self.add_prefix("row_value"))
        return [(f, v) for f, v in zip_longest(fields, values, fillvalue="")]

    def rows(self, *, add: int = 0, remove: int | None = None) -> list[tuple[str, str]]:
        """Rows to draw: filled ones (minus `remove`), then one blank row (plus `add`)."""
        raw = self.raw_rows()
        if remove is not None and 0 <= remove < len(raw):
            del raw[remove]
        filled = [(f, v) for f, v in raw if v.strip()]
        return filled + [("", "")] * (1 + add)

    def current_mode(self) -> str:
        if self.is_bound:
            mode = self.data.get(self.add_prefix("mode"))
            return mode if mode in (SIMPLE, ADVANCED) else SIMPLE
        return self.initial.get("mode", SIMPLE)

    def is_applied(self) -> bool:
        if self.is_bound:
            return bool(self.data.get(self.add_prefix("apply")))
        return bool(self.initial.get("apply"))

    def build(self) -> tuple[str, ExpressionProblem | None]:
        """The expression this section stands for, and what is wrong with it (if anything)."""
        if self.current_mode() == SIMPLE:
            return self._build_simple()
        text = (
            self.data.get(self.add_prefix("expression"))
            if self.is_bound
            else self.initial.get("expression")
        ) or ""
        text = text.strip()
        if not text:
            return "", ExpressionProblem("The expression cannot be left blank.")
        return text, _compile_problem(text)

    def _build_simple(self) -> tuple[str, ExpressionProblem | None]:
        rows = []
        for field, value in self.raw_rows():
            if not value.strip():
                continue
            if field not in FILTER_FIELDS:
                return "", ExpressionProblem(f"Choose a field for the value '{value.strip()}'.")
            rows.append(FilterRow(field, "eq", value.strip()))
        if not rows:
            return "", ExpressionProblem(
                "Add at least one condition, or switch to Okta Expression Language."
            )
        text = rows_to_expression(rows)
        return text, _compile_problem(text)

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # forms.Form.clean: the cleaned_data
        data["filter_expression"] = ""
        if not data.get("apply"):
            return data
        text, problem = self.build()
        if problem is not None:
            self.add_error("expression", problem.message)
        data["filter_expression"] = text
        return data


def _compile_problem(text: str) -> ExpressionProblem | None:
    try:
        compile_expression(text, max_length=settings.HOOKS_FILTER_MAX_LENGTH)
    except ExpressionError as error:
        return ExpressionProblem(error.message, text=text, position=error.position)
    return None


def filter_sections(hook: EventHook, data=None) -> list[FilterSectionForm]:
    """One bound (or initial) FilterSectionForm per subscribed event type, in the hook's order."""
    types = {t.name: t for t in EventType.objects.filter(name__in=hook.event_types)}
    sections = []
    for index, name in enumerate(hook.event_types):
        section = FilterSectionForm(
            data,
            prefix=f"f{index}",
            event_type=types.get(name, name),
            stored=hook.filters.get(name, ""),
        )
        section.index = index
        sections.append(section)
    return sections
