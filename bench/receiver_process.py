"""A hooks.receiver.receiver.Receiver in its own process (its own GIL), driven over a Pipe.

Not a benchmark itself (bench/run_all.py runs only bench_*.py scripts). The child is
started with multiprocessing "spawn": it imports this module by name (bench/ is on the
parent's sys.path, which spawn passes on) and runs `_receiver_main`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
import threading

from common import ROOT


def _receiver_main(conn, port: int) -> None:
    """Run a hooks.receiver.receiver.Receiver and answer control messages on `conn` (a Pipe end).

    Counts every event of the current run tag once (duplicates are counted apart),
    keeps arrival times and, for events that carry `benchSentAt`, publish->receipt
    latencies, plus one sample request (headers + body) per envelope size. "outage"
    makes it answer 503 until a given time (those requests' events are not received),
    "hang" holds every request (bench_recovery.py).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    sys.path.insert(0, str(ROOT))
    from hooks.receiver.receiver import Receiver

    lock = threading.Condition()
    # One request per envelope size, kept across resets; an outage's end (epoch seconds).
    state: dict = {"samples": {}, "failing_until": 0.0}

    def reset(tag: str) -> None:
        state.update(
            tag=tag,
            seen=set(),
            unique=0,
            duplicates=0,
            requests=0,
            first=None,
            last=None,
            latencies=[],
            baseline_requests=0,
            received_at={},  # event uuid -> first receipt
            arrivals=[],  # every POST's arrival time, answered or failed
            failed=[],  # arrival times of the POSTs answered 503 during an outage
        )

    reset("")

    def on_event(request) -> None:
        if request.method != "POST":
            return
        now = request.received_at
        with lock:
            if request.path.startswith("/baseline"):
                state["baseline_requests"] += 1
                return
            state["arrivals"].append(now)
            if now < state["failing_until"]:
                # Answered 503 (see "outage"): its events were not received.
                state["failed"].append(now)
                lock.notify_all()
                return
            events = request.events
            state["requests"] += 1
            state["samples"].setdefault(len(events), (dict(request.headers), request.body))
            tag = state["tag"]
            for event in events:
                debug = ((event.get("debugContext") or {}).get("debugData")) or {}
                if debug.get("benchRun") != tag:
                    continue
                if event["uuid"] in state["seen"]:
                    state["duplicates"] += 1
                    continue
                state["seen"].add(event["uuid"])
                state["received_at"][event["uuid"]] = now
                state["unique"] += 1
                if state["first"] is None:
                    state["first"] = now
                state["last"] = now
                sent = debug.get("benchSentAt")
                if sent is not None:
                    state["latencies"].append(now - float(sent))
            lock.notify_all()

    def summary(with_latencies: bool = False) -> dict:
        keys = ("unique", "duplicates", "requests", "first", "last", "baseline_requests")
        result = {key: state[key] for key in keys}
        if with_latencies:
            result["latencies"] = list(state["latencies"])
            result["arrivals"] = list(state["arrivals"])
            result["failed"] = list(state["failed"])
            result["received_at"] = dict(state["received_at"])
        return result

    def status_now(request) -> int:
        return 503 if request.received_at < state["failing_until"] else 200

    receiver = Receiver(host="127.0.0.1", port=port, on_event=on_event, history=16)
    receiver.start()
    conn.send(("ready", receiver.port))
    try:
        while True:
            try:
                command, *args = conn.recv()
            except (EOFError, OSError):
                return
            if command == "stop":
                conn.send("stopped")
                return
            if command == "reset":
                with lock:
                    reset(args[0])
                conn.send("ok")
            elif command == "wait":
                target, timeout = args
                with lock:
                    lock.wait_for(lambda target=target: state["unique"] >= target, timeout)
                    conn.send(summary())
            elif command == "stats":
                with lock:
                    conn.send(summary(with_latencies=bool(args and args[0])))
            elif command == "outage":
                # Answer 503 to every delivery until epoch second args[0], then 200.
                with lock:
                    state["failing_until"] = float(args[0])
                receiver.set_behaviour(status=status_now)
                conn.send("ok")
            elif command == "hang":
                # Hold every request args[0] seconds before answering (0: answer at once).
                receiver.set_behaviour(delay=float(args[0]))
                conn.send("ok")
            elif command == "samples":
                with lock:
                    conn.send(dict(state["samples"]))
    finally:
        receiver.stop()


class ReceiverProcess:
    """hooks.receiver.receiver.Receiver in a separate process (its own GIL), driven over a Pipe."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._lock = threading.Lock()
        self.process = context.Process(
            target=_receiver_main, args=(child, 0), name="bench-receiver", daemon=True
        )
        self.process.start()
        child.close()
        try:
            if not self._conn.poll(30):
                raise EOFError
            _, self.port = self._conn.recv()
        except EOFError:
            self.process.kill()
            raise RuntimeError("the receiver process did not start within 30 s") from None
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.baseline_url = f"http://127.0.0.1:{self.port}/baseline"

    def _ask(self, *message, timeout: float = 30.0):
        with self._lock:
            self._conn.send(message)
            if not self._conn.poll(timeout):
                raise RuntimeError(f"the receiver did not answer {message[0]!r}")
            return self._conn.recv()

    def reset(self, tag: str) -> None:
        self._ask("reset", tag)

    def wait_for(self, count: int, timeout: float) -> dict:
        return self._ask("wait", count, timeout, timeout=timeout + 30)

    def stats(self, latencies: bool = False) -> dict:
        return self._ask("stats", latencies)

    def outage(self, until: float) -> None:
        """Answer 503 to every delivery until `until` (epoch seconds), then 200 again."""
        self._ask("outage", until)

    def hang(self, seconds: float) -> None:
        """Hold every request `seconds` before answering (a timeout for the product)."""
        self._ask("hang", seconds)

    def samples(self) -> dict[int, tuple[dict, bytes]]:
        return self._ask("samples")

    def stop(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(Exception):
                self._ask("stop", timeout=5)
            self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self._conn.close()
