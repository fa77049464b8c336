"""Backtest: run a filter expression over recent System Log events of one type.

No peer offers this: before saving a filter, an admin sees how many of the last N
real events it would have let through, with examples of both kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from hooks.models import Event

MAX_EVENTS = 1000
EXAMPLES = 3


@dataclass
class BacktestResult:
    """How an expression fared on the newest `total` events of a type."""

    event_type: str
    expression: str
    total: int = 0
    matched: int = 0
    errors: int = 0
    matching_examples: list[dict] = field(default_factory=list)
    non_matching_examples: list[dict] = field(default_factory=list)
    error: str = ""  # the compile error, when the expression does not parse


def backtest(*, event_type: str, expression: str, limit: int = MAX_EVENTS) -> BacktestResult:
    """Evaluate `expression` on the newest `limit` (<= 1,000) events of `event_type`."""
    from hooks.expressions import EvaluationError, ExpressionError, compile_expression

    result = BacktestResult(event_type=event_type, expression=expression)
    try:
        compiled = compile_expression(expression, max_length=settings.HOOKS_FILTER_MAX_LENGTH)
    except ExpressionError as error:
        result.error = str(error)
        return result
    limit = max(1, min(limit, MAX_EVENTS))
    events = Event.objects.filter(event_type=event_type).order_by("-published", "-id")
    for data in events.values_list("data", flat=True)[:limit].iterator(chunk_size=200):
        result.total += 1
        try:
            matched = compiled.evaluate(data)
        except EvaluationError:
            result.errors += 1
            matched = False
        if matched:
            result.matched += 1
            if len(result.matching_examples) < EXAMPLES:
                result.matching_examples.append(data)
        elif len(result.non_matching_examples) < EXAMPLES:
            result.non_matching_examples.append(data)
    return result
