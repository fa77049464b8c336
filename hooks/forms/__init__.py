"""Console forms: one module per area.

May import: hooks.eventhooks and the layers below it.
"""

from __future__ import annotations

from hooks.forms.causes import apply_causes, silence_errors
from hooks.forms.filters import FilterSectionForm, filter_sections
from hooks.forms.hook import HookDetailsForm
from hooks.forms.pages import DeliveryFilterForm, LogFilterForm, TokenCreateForm
from hooks.forms.preview import PreviewBodyForm

__all__ = [
    "DeliveryFilterForm",
    "FilterSectionForm",
    "HookDetailsForm",
    "LogFilterForm",
    "PreviewBodyForm",
    "TokenCreateForm",
    "apply_causes",
    "silence_errors",
    "filter_sections",
]
