"""Loading the event catalog JSON into EventType rows, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from hooks.catalog import load_catalog_entries

FIELDS = (
    "label", "description", "category", "hook_eligible", "beta",
    "display_message", "target_types", "actor_type",
)  # fmt: skip


@dataclass(frozen=True)
class CatalogLoadResult:
    created: int
    updated: int
    unchanged: int


def catalog_load() -> CatalogLoadResult:
    """Create or update every catalog entry; safe to run any number of times.

    Entries no longer in the file are kept (hooks and System Log events may
    still name them) but lose hook eligibility.
    """
    from hooks.models import EventType
    from hooks.systemlog.publishing import forget_catalog_cache

    entries = {entry["name"]: entry for entry in load_catalog_entries()}
    with transaction.atomic():
        existing = {row.name: row for row in EventType.objects.all()}
        to_create, to_update = [], []
        for name, entry in entries.items():
            row = existing.get(name)
            if row is None:
                to_create.append(EventType(name=name, **{f: entry[f] for f in FIELDS}))
                continue
            if any(getattr(row, f) != entry[f] for f in FIELDS):
                for f in FIELDS:
                    setattr(row, f, entry[f])
                to_update.append(row)
        for name, row in existing.items():
            if name not in entries and row.hook_eligible:
                row.hook_eligible = False
                to_update.append(row)
        EventType.objects.bulk_create(to_create, batch_size=500)
        EventType.objects.bulk_update(to_update, FIELDS, batch_size=500)
    forget_catalog_cache()
    return CatalogLoadResult(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(entries) - len(to_create) - len(to_update),
    )
