"""Applying a hook's Expression Language filters to events.

Expressions are compiled once per text (an LRU cache in hooks.expressions), so a
publish never re-parses. An evaluation error, including a filter that visits more than
HOOKS_FILTER_MAX_STEPS list elements on one event, counts as "no match" and is handed to
the caller's `on_error`: publishing writes it to the System Log as `event_hook.filter.error`
(this module cannot: publishing imports it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings

from hooks.expressions import EvaluationError, ExpressionError, compile_expression
from hooks.models import EventHook

logger = logging.getLogger(__name__)

# on_error(hook, event, message): told about a filter that could not be evaluated.
FilterErrorHandler = Callable[[EventHook, dict, str], None]


def filter_allows(hook: EventHook, event: dict, *, on_error: FilterErrorHandler) -> bool:
    """Return True when `hook` has no filter for the event's type or the filter is true."""
    expression = (hook.filters or {}).get(event.get("eventType"))
    if not expression:
        return True
    try:
        compiled = compile_expression(expression, max_length=settings.HOOKS_FILTER_MAX_LENGTH)
        return bool(compiled.evaluate(event, max_steps=settings.HOOKS_FILTER_MAX_STEPS))
    except (EvaluationError, ExpressionError) as error:
        logger.warning("hook %s: filter failed on event %s: %s", hook.id, event.get("uuid"), error)
        on_error(hook, event, str(error))
        return False
