"""manage.py purge [--older-than 30d] [--dry-run] [--batch-size N]: retention, by hand."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hooks.ops.retention import Cutoffs, purge
from hooksite.env import parse_duration


class _Bar:
    """tqdm bars, one per phase, on a terminal only."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled = stream, enabled
        self.bar: tqdm[Any] | None = None

    def start(self, phase: str, total: int) -> None:
        self.bar = tqdm(
            total=total,
            desc=phase,
            unit="range",
            file=self.stream,
            disable=not self.enabled,
            leave=False,
        )

    def advance(self, count: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _age(value: str | None, option: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ImproperlyConfigured as error:
        raise CommandError(f"{option}: {error}") from None


class Command(BaseCommand):
    help = (
        "Delete finished deliveries (with their attempts) and events older than the retention "
        "settings, in short transactions. PENDING/SENDING deliveries, unclaimed matches and "
        "the events they need are always kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            metavar="AGE",
            help="One age for events, deliveries and attempts (30d, 12h, ...)",
        )
        parser.add_argument(
            "--events-older-than", metavar="AGE", help="Default HOOKS_RETENTION_EVENTS"
        )
        parser.add_argument(
            "--deliveries-older-than", metavar="AGE", help="Default HOOKS_RETENTION_DELIVERIES"
        )
        parser.add_argument(
            "--attempts-older-than",
            metavar="AGE",
            help="Default HOOKS_RETENTION_ATTEMPTS (at most the deliveries')",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            metavar="N",
            help="Primary keys per transaction (default HOOKS_PURGE_BATCH)",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count")

    def handle(self, *args, **options) -> None:
        common = _age(options["older_than"], "--older-than")
        ages = {}
        for name in ("events", "deliveries", "attempts"):
            own = _age(options[f"{name}_older_than"], f"--{name}-older-than")
            ages[name] = common if own is None else own
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        cutoffs = Cutoffs.from_ages(
            events=ages["events"], deliveries=ages["deliveries"], attempts=ages["attempts"]
        )
        for name in ("events", "deliveries", "attempts"):
            moment = getattr(cutoffs, name)
            self.stdout.write(f"{name:<11} created before {moment:%Y-%m-%d %H:%M:%S} UTC")
        result = purge(
            cutoffs,
            batch_size=options["batch_size"],
            dry_run=options["dry_run"],
            progress=_Bar(self.stderr._out, self.stderr.isatty()),
        )
        verb = "Would delete" if result.dry_run else "Deleted"
        for name in ("deliveries", "attempts", "matches", "events", "tasks", "heartbeats"):
            if name in result.deleted or name in ("deliveries", "attempts", "events"):
                self.stdout.write(f"{verb} {result.deleted.get(name, 0):>10,} {name}")
        if not result.dry_run:
            self.stdout.write(
                f"{result.batches} transactions in {result.elapsed:.1f} s; the "
                f"longest took {result.longest_transaction * 1000:.0f} ms."
            )
