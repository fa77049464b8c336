"""Backtest: run a filter expression over recent System Log events of one type.

No peer offers this: before saving a filter, an admin sees how many of the last N
real events it would have let through, with examples of both kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from hooks.expressions import EvaluationError, ExpressionError, compile_expression
from hooks.expressions.cost import used
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
    stopped: str = ""  # why it ended before `limit` events (its cost budget), if it did


def backtest(*, event_type: str, expression: str, limit: int = MAX_EVENTS) -> BacktestResult:
    """Evaluate `expression` on the newest `limit` (<= 1,000) events of `event_type`.

    Bounded like publishing: each event gets HOOKS_FILTER_MAX_STEPS element visits (an event
    that needs more counts as an error, i.e. no match), and the whole backtest
    HOOKS_FILTER_BACKTEST_MAX_STEPS; when that is spent it stops and says so in `stopped`.
    """
    result = BacktestResult(event_type=event_type, expression=expression)
    try:
        compiled = compile_expression(expression, max_length=settings.HOOKS_FILTER_MAX_LENGTH)
    except ExpressionError as error:
        result.error = str(error)
        return result
    limit = max(1, min(limit, MAX_EVENTS))
    per_event, remaining = settings.HOOKS_FILTER_MAX_STEPS, settings.HOOKS_FILTER_BACKTEST_MAX_STEPS
    events = Event.objects.filter(event_type=event_type).order_by("-published", "-id")
    for data in events.values_list("data", flat=True)[:limit].iterator(chunk_size=200):
        if remaining <= 0:
            result.stopped = (
                f"Stopped after {result.total} events: the filter used up the backtest's budget"
                f" of {settings.HOOKS_FILTER_BACKTEST_MAX_STEPS:,} list element visits."
            )
            break
        result.total += 1
        try:
            matched = compiled.evaluate(data, max_steps=min(per_event, remaining))
        except EvaluationError:
            result.errors += 1
            matched = False
        if compiled.metered:
            remaining -= used()
        if matched:
            result.matched += 1
            if len(result.matching_examples) < EXAMPLES:
                result.matching_examples.append(data)
        elif len(result.non_matching_examples) < EXAMPLES:
            result.non_matching_examples.append(data)
    return result
