"""Small helpers shared by the benchmarks: paths, a free port, statistics, the machine's
facts and CPU time read from /proc.

Not a benchmark itself (bench/run_all.py runs only bench_*.py scripts). The receiver process
is in receiver_process.py, the throwaway stack (database, gunicorn, qcluster) in stack.py.
"""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


# --- small helpers ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    values = [v for v in values if v == v]  # drop nan
    return statistics.median(values) if values else float("nan")


def speed_probe() -> float:
    """Seconds for a fixed pure-Python loop: how fast this shared machine is right now
    (figures from runs with different probes are not comparable)."""
    began = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i
    return time.perf_counter() - began


def machine_facts(db: str, broker: str) -> dict[str, str]:
    """What the figures were measured on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cores": f"{os.cpu_count()} ({usable} usable) {model}".strip(),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "database": db,
        "broker": broker,
        "load average at start": load,
        "speed probe at start": f"{speed_probe() * 1000:.0f} ms (2M-step Python loop)",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one live process and its reaped children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def group_stats(pgid: int) -> list[list[str]]:
    """/proc/<pid>/stat fields (after the command name) of every process in group `pgid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            found.append(fields)
    return found


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds of every live process in process group `pgid` (Linux /proc)."""
    # utime + stime + the same of reaped children (recycled workers).
    ticks = sum(sum(int(x) for x in fields[11:15]) for fields in group_stats(pgid))
    return ticks / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    """Pids of the live children of `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found
