"""Benchmark the filter engine: cold compile time and evaluations/s on Okta's published examples.

Run: .venv/bin/python bench/bench_expressions.py
"""

from __future__ import annotations

import copy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Runnable as a plain script from anywhere: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hooks.expressions import compile_expression
from hooks.expressions.examples import VALID_EXAMPLES

COMPILE_ROUNDS = 30
EVAL_SECONDS = 0.25  # per example; keeps the whole run well under 30 s

BASE_EVENT: dict[str, Any] = {
    "uuid": "f1d0b993-cc19-11ed-a688-db22c99ef6c4",
    "published": "2024-03-01T12:00:00.000Z",
    "eventType": "group.user_membership.add",
    "version": "0",
    "severity": "INFO",
    "displayMessage": "Add user to group membership",
    "actor": {
        "id": "00usnkgbd0FFDxYaj0h7",
        "type": "User",
        "alternateId": "myAdmin@company.com",
        "displayName": "My Admin",
        "detailEntry": None,
    },
    "outcome": {"result": "SUCCESS", "reason": None},
    "client": {"ipAddress": "203.0.113.7", "device": "Computer", "zone": "null"},
    "target": [
        {
            "id": "00ub0oNGTSWTBKOLGLNR",
            "type": "User",
            "alternateId": "jane@company.com",
            "displayName": "Jane Doe",
            "detailEntry": None,
        },
        {
            "id": "00gsnc3qy7Uy6JZfy0h7",
            "type": "UserGroup",
            "alternateId": "unknown",
            "displayName": "Sales",
            "detailEntry": None,
        },
    ],
    "debugContext": {"debugData": {"requestId": "Y1sXa@8vOlpHIjVZDhPdTwAABVs"}},
}

APP_TARGETS = [
    {
        "id": "00ub0oNGTSWTBKOLGLNR",
        "type": "User",
        "alternateId": "jane@company.com",
        "displayName": "Jane Doe",
    },
    {
        "id": "0oa1gjh63g214q0Hq0g4",
        "type": "AppInstance",
        "alternateId": "My OIDC App",
        "displayName": "My OIDC App",
    },
]


def event_for(key: str) -> dict[str, Any]:
    """A realistic event on which example *key* evaluates to true."""
    event = copy.deepcopy(BASE_EVENT)
    if key == "2":
        event["eventType"] = "Admin"
    elif key == "6":
        event["target"] = [
            {"id": "00usnkgbd0FFDxYaj0h7", "type": "User", "displayName": "Jane Doe"},
            {"id": "00gsnc3qy7Uy6JZfy0h7", "type": "UserGroup", "displayName": "Admin"},
        ]
    elif key in ("7", "8", "9"):
        event["target"] = copy.deepcopy(APP_TARGETS)
        if key == "7":
            event["target"][1]["alternateId"] = "My COMPANY Bookmark App"
        if key == "9":
            event["target"][1]["id"] = "032gs2nc3qy7Uy6JZfasd3"
    elif key in ("11", "12"):
        event["eventType"] = "user.account.update_profile"
        # #12 matches only its last alternative, so all three are evaluated.
        changed = "email,firstName" if key == "11" else "firstName,department"
        event["debugContext"]["debugData"]["changedAttributes"] = changed
    elif key in ("14a", "14b", "17"):
        event["outcome"] = {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}
    elif key in ("18a", "18b"):
        event["outcome"] = {"result": "FAILURE", "reason": "VERIFICATION_ERROR SECURITY_QUESTION"}
    return event


def baseline_example_1(event: dict[str, Any]) -> bool:
    """Hand-written Python doing what example #1 checks."""
    targets = event.get("target") or ()
    return any(t.get("type") == "UserGroup" for t in targets) and any(
        t.get("displayName") == "Sales" for t in targets
    )


def rate(fn: Callable[[dict[str, Any]], bool], event: dict[str, Any]) -> float:
    """Calls per second of fn(event): best of 5 rounds, so other load on the box matters less."""
    batch, rounds, best = 1000, 5, 0.0
    for _ in range(rounds):
        calls, elapsed = 0, 0.0
        while elapsed < EVAL_SECONDS / rounds:
            start = time.perf_counter()
            for _ in range(batch):
                fn(event)
            elapsed += time.perf_counter() - start
            calls += batch
        best = max(best, calls / elapsed)
    return best


def cold_compile_us(text: str) -> float:
    """Median microseconds to compile *text*, bypassing the lru_cache."""
    uncached = compile_expression.__wrapped__
    samples = []
    for _ in range(COMPILE_ROUNDS):
        start = time.perf_counter()
        uncached(text)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    """Print compile time and evaluation rate per example, the average and the baseline."""
    print(f"{'example':>7}  {'compile µs':>10}  {'evals/s':>12}  result  expression")
    rates, compiles = [], []
    for key, text in VALID_EXAMPLES.items():
        compiled = compile_expression(text)
        event = event_for(key)
        compile_us = cold_compile_us(text)
        per_second = rate(compiled.evaluate, event)
        rates.append(per_second)
        compiles.append(compile_us)
        shown = text if len(text) <= 60 else text[:57] + "..."
        result = compiled.evaluate(event)
        print(f"{key:>7}  {compile_us:>10.1f}  {per_second:>12,.0f}  {result!s:>6}  {shown}")
    mean_rate = statistics.fmean(rates)
    print(f"{'average':>7}  {statistics.fmean(compiles):>10.1f}  {mean_rate:>12,.0f}")
    # Harmonic mean = the throughput of evaluating every example once per event, in turn.
    print(f"{'':>7}  {'':>10}  {statistics.harmonic_mean(rates):>12,.0f}  (harmonic mean)")

    event = event_for("1")
    engine = rate(compile_expression(VALID_EXAMPLES["1"]).evaluate, event)
    baseline = rate(baseline_example_1, event)
    print()
    print(f"example #1 compiled : {engine:>12,.0f} evals/s")
    print(f"example #1 baseline : {baseline:>12,.0f} evals/s (hand-written any(...))")
    print(f"ratio               : {engine / baseline:.2f}x of hand-written Python")
    goal = 200_000
    verdict = "meets" if mean_rate >= goal else "MISSES"
    print(f"goal                : {verdict} {goal:,} evals/s average")


if __name__ == "__main__":
    main()
