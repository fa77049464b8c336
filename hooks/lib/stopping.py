"""A stop asked of a worker cluster, seen by every process it forks afterwards.

Long tasks (hooks.delivery.sender.deliver_hook) look at it between steps and end early,
handing the rest back, so that the cluster stops in order instead of being killed while
sending. A byte of shared memory without a lock, not a multiprocessing Event: an Event's
is_set() takes a lock shared with every process, and a worker killed while holding it
(a forced stop, django-q2 ending a timed-out task) would leave the others waiting forever.
Outside a cluster (`manage.py`, tests, sync tasks) no stop is ever asked.
"""

from __future__ import annotations

import ctypes
from typing import Any

_asked: Any = None  # multiprocessing's shared c_bool, once share_with_children() ran


def share_with_children(context: Any) -> None:
    """Make the flag shared memory (of a multiprocessing `context`), so that processes forked
    from here on see a stop asked by any of them. Call before forking."""
    global _asked
    _asked = context.RawValue(ctypes.c_bool, False)


def ask_to_stop() -> None:
    """Tell this process and every process forked since share_with_children() to stop."""
    if _asked is not None:
        _asked.value = True


def stop_asked() -> bool:
    return _asked is not None and bool(_asked.value)


def forget() -> None:
    """No shared flag any more (tests)."""
    global _asked
    _asked = None
