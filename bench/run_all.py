"""Run every benchmark in bench/ (each bench_*.py script, in name order) and show its figures.

Run: .venv/bin/python bench/run_all.py [--quick] [--only NAME]
--quick is passed on to the scripts that accept it (bench_delivery.py: about a minute).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT = 30 * 60  # seconds per script, a bound in case one hangs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs where supported")
    parser.add_argument("--only", help="run only scripts whose name contains this")
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if args.only in s.name]
    summary: list[tuple[str, int, float]] = []
    for script in scripts:
        command = [sys.executable, str(script)]
        if args.quick and "--quick" in script.read_text():
            command.append("--quick")
        print(
            f"\n{'=' * 78}\n== {script.name}  ({' '.join(command[2:]) or 'no options'})\n"
            f"{'=' * 78}",
            flush=True,
        )
        began = time.monotonic()
        try:
            code = subprocess.run(command, cwd=HERE.parent, timeout=TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            print(f"{script.name}: stopped after {TIMEOUT} s", flush=True)
            code = -1
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
        summary.append((script.name, code, time.monotonic() - began))
    print(f"\n{'=' * 78}\n== Summary")
    for name, code, seconds in summary:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"  {name:<28} {status:<18} {seconds:6.0f} s")
    return 0 if all(code == 0 for _, code, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
