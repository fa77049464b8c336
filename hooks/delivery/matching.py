"""Applying a hook's Expression Language filters to events.

Expressions are compiled once per text (an LRU cache in hooks.expressions), so a
publish never re-parses. An evaluation error, including a filter that visits more than
HOOKS_FILTER_MAX_STEPS list elements on one event, counts as "no match" and is written
to the System Log as `event_hook.filter.error`, at most once a minute per hook.
"""

from __future__ import annotations

import logging

from django.conf import settings

from hooks.systemlog.events import SYSTEM_ACTOR

logger = logging.getLogger(__name__)


def filter_allows(hook, event: dict) -> bool:
    """Return True when `hook` has no filter for the event's type or the filter is true."""
    expression = (hook.filters or {}).get(event.get("eventType"))
    if not expression:
        return True
    from hooks.expressions import EvaluationError, ExpressionError, compile_expression

    try:
        compiled = compile_expression(expression, max_length=settings.HOOKS_FILTER_MAX_LENGTH)
        return bool(compiled.evaluate(event, max_steps=settings.HOOKS_FILTER_MAX_STEPS))
    except (EvaluationError, ExpressionError) as error:
        _record_filter_error(hook, event, str(error))
        return False


def _record_filter_error(hook, event: dict, message: str) -> None:
    from hooks.systemlog.publishing import audit_event, rate_limited

    logger.warning("hook %s: filter failed on event %s: %s", hook.id, event.get("uuid"), message)
    if rate_limited(f"filter-error:{hook.id}", seconds=60):
        return
    audit_event(
        event_type="event_hook.filter.error",
        actor=dict(SYSTEM_ACTOR),
        hook=hook,
        outcome="FAILURE",
        reason=f"Filter for {event.get('eventType')} failed: {message}"[:500],
        severity="WARN",
        debug_data={"eventUuid": event.get("uuid"), "error": message},
    )
