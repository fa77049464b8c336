"""The cost bounds of filters: how deep selections nest, how many elements one evaluation visits.

Everything in the language is linear in the event's size except selections: a `.?[…]` inside
another `.?[…]` visits N x N elements, three levels N³. The compiler refuses more than
MAX_SELECTION_NESTING levels; the meter below stops an evaluation that visits more than its
budget of list elements (a huge event can still make two levels costly).
"""

from __future__ import annotations

import threading

from .errors import EvaluationError

MAX_SELECTION_NESTING = 2
DEFAULT_MAX_STEPS = 100_000


class CostLimitError(EvaluationError):
    """An evaluation that used up its budget of element visits; counts as "no match"."""


class _Meter(threading.local):
    """The budget left to the evaluation running on this thread (compiled closures are shared
    by every thread, so the count cannot live in them)."""

    def __init__(self) -> None:
        self.remaining = DEFAULT_MAX_STEPS
        self.budget = DEFAULT_MAX_STEPS


meter = _Meter()


def start(max_steps: int) -> None:
    """Give the evaluation about to run on this thread `max_steps` element visits."""
    meter.remaining = max_steps
    meter.budget = max_steps


def used() -> int:
    """Element visits spent by the last evaluation on this thread."""
    return meter.budget - meter.remaining


def charge(count: int) -> None:
    """Spend `count` element visits before visiting them (so the bound holds exactly).

    A selection charges the length of the list it filters, also when it stops at the first
    match: the count is then an upper bound of the work, and costs one subtraction."""
    meter.remaining -= count
    if meter.remaining < 0:
        meter.remaining = 0
        raise CostLimitError(
            f"the filter visited more than {meter.budget:,} list elements on this event"
            " (nested .?[…] selections over a large list); it counts as no match"
        )
