"""Whole-request deadlines for hooks.outbound.transport: a watchdog that cuts a request off in time.

Socket timeouts bound each read, not the exchange: a receiver that sends one byte a second
never trips them. So every request arms a RequestDeadline; when it passes, one watchdog
thread per process shuts the request's socket down, which wakes the blocked read, send or
TLS handshake at once. One shared thread (not a timer per request) keeps the cost per
request to a heap push.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any


class RequestDeadline:
    """One request's deadline; `attach` the connection it uses, `finish` when it is done."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline  # time.perf_counter() value
        self.expired = False
        self._finished = False
        self._connection: Any = None
        self._lock = threading.Lock()

    def attach(self, connection: Any) -> None:
        """Name the connection (an http.client connection) whose socket to cut."""
        with self._lock:
            self._connection = connection

    def finish(self) -> bool:
        """Disarm the watchdog; return True when the deadline had already cut the request."""
        with self._lock:
            self._finished = True
            self._connection = None
            return self.expired

    def _expire(self) -> None:
        # Under the lock: once finish() returns, the connection may go back to the pool, and
        # a late shutdown must never hit the next request on it.
        with self._lock:
            if self._finished:
                return
            self.expired = True
            sock = getattr(self._connection, "sock", None)
            if sock is not None:
                # The base-class method: SSLSocket.shutdown() would also drop its SSL object
                # under the reading thread, which then fails with ValueError, not OSError.
                with contextlib.suppress(OSError):  # already closed: the request is over
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


def arm(deadline: float) -> RequestDeadline:
    """Return a RequestDeadline the watchdog enforces at `deadline` (perf_counter time)."""
    guard = RequestDeadline(deadline)
    _watchdog.watch(guard)
    return guard


class _Watchdog:
    """A daemon thread expiring RequestDeadlines in deadline order (started on first use)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, RequestDeadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, guard: RequestDeadline) -> None:
        with self._condition:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="hooks-request-deadlines", daemon=True
                )
                self._thread.start()
            heapq.heappush(self._heap, (guard.deadline, next(self._order), guard))
            # Only a new earliest deadline changes how long the thread should sleep.
            if self._heap[0][2] is guard:
                self._condition.notify()

    def _run(self) -> None:
        with self._condition:
            while True:
                # Finished requests stay in the heap until their deadline: drop them here.
                while self._heap and self._heap[0][2]._finished:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._condition.wait()
                    continue
                wait = self._heap[0][0] - time.perf_counter()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                heapq.heappop(self._heap)[2]._expire()


_watchdog = _Watchdog()


def _reset_after_fork() -> None:
    """A forked child has no watchdog thread (threads do not survive fork): start afresh."""
    global _watchdog
    _watchdog = _Watchdog()


os.register_at_fork(after_in_child=_reset_after_fork)
