"""A django-q2 cluster that one SIGTERM to all of its processes stops in order, within 8 s.

systemd (KillMode=control-group), container runtimes and a terminal's Ctrl-C signal every
process of the service at once. django-q2 1.11.1 does not survive that:

- the sentinel resets SIGTERM to its default action and dies at once; its workers,
  pusher and monitor inherit that and die mid-task;
- the main process's handler calls ``stop_event.set()``, and multiprocessing's
  ``Condition.notify()`` waits, with no timeout, for the sentinel that was waiting on the
  event to acknowledge: it never will, so the main process hangs until SIGKILL.

Here every child ignores SIGTERM and SIGINT (only its parent tells it to stop) and the
main process's handler only records the request. The main thread then tells the workers'
long tasks to end early (hooks.lib.stopping) and runs django-q2's orderly stop (pusher
first, then each worker after its current task, then the monitor),
with tasks prefetched but not started handed back to the broker, and SIGKILLs whatever
still runs after FORCE_AFTER seconds. Nothing is lost either way: a delivery still
SENDING keeps its lease and the sweeper re-queues it when the lease runs out; events not
yet claimed wait in the outbox.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
import uuid
from collections import defaultdict
from contextlib import suppress

from django_q.cluster import Cluster, Sentinel, get_mp_context
from django_q.conf import setproctitle
from django_q.signing import SignedPackage

from hooks.lib import stopping

logger = logging.getLogger("django-q")

# Leaves room under the 10 s a stop may take (and the units' TimeoutStopSec=15) for the
# SIGKILLs and the exit itself.
FORCE_AFTER = 8.0
GROUP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class SentinelDied(RuntimeError):
    """The sentinel exited although no stop was asked for."""


def ignore_group_signals() -> None:
    for signum in GROUP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


class OrderlySentinel(Sentinel):
    """django-q2's Sentinel whose processes ignore group signals and stop without waiting
    for prefetched tasks."""

    def __init__(self, stop_event, start_event, cluster_id, broker=None, timeout=None):
        # django-q2's __init__ sets SIGTERM to its default action: a group signal in that
        # window would kill the sentinel. Blocked, it stays pending, and setting SIG_IGN
        # discards it. Workers, pusher and monitor are forked later and inherit SIG_IGN.
        signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_SIGNALS)
        super().__init__(stop_event, start_event, cluster_id, broker, timeout, start=False)
        ignore_group_signals()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, GROUP_SIGNALS)
        self.start()

    def reincarnate(self, process) -> None:
        # django-q2 ends a timed-out worker with SIGTERM, which workers now ignore.
        if process in self.pool and process.timer.value == 0 and process.is_alive():
            process.kill()
        super().reincarnate(process)

    def stop(self) -> None:
        self.event_out.set()  # the pusher stops after its current dequeue (<= 1 s)
        while self.pusher.is_alive():
            # Also frees a pusher blocked on a full task queue.
            self._hand_back_prefetched_tasks()
        # Before the poison pills: otherwise each worker runs everything queued ahead of
        # its pill, which can take minutes with a slow endpoint.
        handed_back = self._hand_back_prefetched_tasks()
        if handed_back:
            logger.info("handed %d unstarted task(s) back to the broker", handed_back)
        super().stop()
        # Children still alive would make multiprocessing's exit handler send them a
        # SIGTERM they ignore and then wait for them forever.
        for process in [*self.pool, self.monitor, self.pusher]:
            if process is not None and process.is_alive():
                process.kill()

    def _hand_back_prefetched_tasks(self) -> int:
        """Return queued tasks to the broker; how many. An idle worker waiting on the queue
        holds its read lock, and then takes the next task itself: that one is started."""
        count = 0
        while True:
            try:
                # A short wait, not get_nowait(): a put reaches the pipe through the
                # putting process's feeder thread, a moment later.
                task = self.task_queue.get(timeout=0.1)
            except queue.Empty:
                return count
            ack_id = task.pop("ack_id", None)
            task.pop("cluster", None)
            try:
                self.broker.enqueue(SignedPackage.dumps(task))
                if ack_id is not None:
                    self.broker.acknowledge(ack_id)  # the ORM broker's copy, now a duplicate
                count += 1
            except Exception:  # the sweeper re-queues deliveries anyway
                logger.exception("could not hand task %s back to the broker", task.get("name"))


class OrderlyCluster(Cluster):
    """django-q2's Cluster with OrderlySentinel and a stop bounded by FORCE_AFTER."""

    def __init__(self) -> None:
        self.stop_requested = threading.Event()
        super().__init__()  # installs self.sig_handler for SIGTERM and SIGINT

    def sig_handler(self, signum, frame) -> None:
        # Only record it: stopping blocks, and must not run inside a signal handler.
        self.stop_requested.set()

    def start(self) -> int:
        """django-q2's Cluster.start with our sentinel; returns early if asked to stop."""
        if setproctitle:
            setproctitle.setproctitle(f"qcluster MainProcess {self.name}")
        ctx = get_mp_context()
        # Before the sentinel forks: its workers inherit the flag (hooks.lib.stopping).
        stopping.share_with_children(ctx)
        self.stop_event, self.start_event = ctx.Event(), ctx.Event()
        self.sentinel = ctx.Process(
            target=OrderlySentinel,
            name=f"Process-{uuid.uuid4().hex}",
            args=(self.stop_event, self.start_event, self.cluster_id, self.broker, self.timeout),
        )
        self.sentinel.start()
        logger.info("Q Cluster %s starting.", self.name)
        while not self.start_event.is_set() and not self.stop_requested.is_set():
            if not self.sentinel.is_alive():
                raise SentinelDied(f"sentinel exited with code {self.sentinel.exitcode}")
            time.sleep(0.1)
        return self.pid

    def run_until_stopped(self) -> None:
        """Wait for SIGTERM or SIGINT, then stop; raise SentinelDied if it dies first."""
        while not self.stop_requested.wait(0.5):
            if not self.sentinel.is_alive():
                raise SentinelDied(f"sentinel exited with code {self.sentinel.exitcode}")
        self.stop()

    def stop(self, force_after: float = FORCE_AFTER) -> bool:
        """Orderly stop; SIGKILL what still runs after `force_after` s. True if orderly."""
        deadline = time.monotonic() + force_after
        # First: a worker sending a backlog stops after its request in flight, rather than
        # after the backlog, which could outlast the deadline (then: killed, re-sent).
        stopping.ask_to_stop()
        if not self.sentinel.is_alive():
            return False
        logger.info("Q Cluster %s stopping (forced after %.0f s).", self.name, force_after)
        # In a thread: Event.set() waits, without a timeout, for every process waiting on
        # the event to wake up; a sentinel that died while waiting never does.
        threading.Thread(target=self.stop_event.set, daemon=True).start()
        self.sentinel.join(max(deadline - time.monotonic(), 0))
        orderly = not self.sentinel.is_alive()
        if not orderly:
            logger.warning(
                "Q Cluster %s still busy after %.0f s: killing it; deliveries in flight "
                "are re-sent by the sweeper when their lease ends.",
                self.name,
                force_after,
            )
            kill_process_tree(self.sentinel.pid)
            self.sentinel.join(5)
        logger.info("Q Cluster %s has stopped.", self.name)
        return orderly


def kill_process_tree(pid: int) -> None:
    """SIGKILL `pid` and all its descendants (stopped first, so that it forks no more)."""
    try:
        os.kill(pid, signal.SIGSTOP)
    except ProcessLookupError:
        return
    for member in [*descendants(pid), pid]:
        with suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
    """Processes below `pid`, from /proc (Linux; elsewhere none are found)."""
    children: dict[int, list[int]] = defaultdict(list)
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except FileNotFoundError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # exited while we looked
        children[parent].append(int(entry))
    found: list[int] = []
    pending = [pid]
    while pending:
        below = children.get(pending.pop(), [])
        found += below
        pending += below
    return found
