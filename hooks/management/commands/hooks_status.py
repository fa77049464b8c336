"""manage.py hooks_status [--json]: health, hooks, queue and the last hour at a glance."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from hooks.ops.observability import status_snapshot


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.0f} min"
    return f"{value / 3600:.1f} h"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _check_line(name: str, check: dict) -> str:
    facts = []
    if "latency_ms" in check:
        facts.append(_ms(check["latency_ms"]))
    for key in ("engine", "type", "error"):
        if key in check:
            facts.append(str(check[key]))
    if "queued" in check:
        facts.append(f"{check['queued']} task(s) queued")
    if "last_seen_seconds" in check:
        facts.append(f"last seen {_seconds(check['last_seen_seconds'])} ago")
    return f"  {name:<10} {check['status']:<9} {', '.join(facts)}"


class Command(BaseCommand):
    help = "Print the console's health at a glance; exit status 1 when unhealthy."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON document")

    def handle(self, *args, **options) -> None:
        healthy, facts = status_snapshot()
        if options["json"]:
            self.stdout.write(json.dumps(facts, indent=2, default=str))
        else:
            self._print(facts)
        if not healthy:
            raise CommandError(f"unhealthy ({facts['status']})", returncode=1)

    def _print(self, facts: dict) -> None:
        write = self.stdout.write
        write(f"Event hooks console: {facts['status'].upper()}")
        for name, check in facts["checks"].items():
            write(_check_line(name, check))
        if "hooks" not in facts:
            return
        hooks, queue, hour = facts["hooks"], facts["queue"], facts["last_hour"]
        write(
            f"  {'hooks':<10} {hooks['total']} total, {hooks['active']} active, "
            f"{hooks['deliverable']} active and verified, {len(hooks['failing'])} failing"
        )
        for hook in hooks["failing"]:
            write(
                f"{'':13}! {hook['name']} ({hook['id']}): {hook['consecutive_failures']} "
                f"consecutive failure(s) since {hook['failing_since'] or '-'}"
            )
        write(
            f"  {'queue':<10} {queue['unclaimed_matches']} event(s) in the outbox "
            f"(oldest {_seconds(queue['oldest_unclaimed_seconds'])}), "
            f"{queue['pending']} pending, {queue['sending']} sending "
            f"(oldest {_seconds(queue['oldest_pending_seconds'])}), "
            f"{queue['overdue_retries']} overdue retries"
        )
        outcomes = ", ".join(f"{n} {status}" for status, n in sorted(hour["deliveries"].items()))
        write(
            f"  {'last hour':<10} {sum(hour['deliveries'].values())} deliveries"
            f"{': ' + outcomes if outcomes else ''}"
        )
        write(
            f"  {'latency':<10} p50 {_ms(hour['p50_ms'])}, p95 {_ms(hour['p95_ms'])} "
            f"over {hour['attempts']} attempt(s)"
        )
