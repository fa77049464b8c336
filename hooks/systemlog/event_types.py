"""The EventType table: the event catalog (hooks.catalog) loaded into it, idempotently, and
the display messages publishing reads from it (cached for a few seconds per process)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction

from hooks.catalog import ENTRY_KEYS, load_catalog_entries
from hooks.models import EventType

_CATALOG_TTL = 30.0
_catalog_cache: tuple[float, dict[str, str]] = (0.0, {})

# Every catalog key but the name (the primary key), in the catalog's order.
FIELDS = ENTRY_KEYS[1:]


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


def catalog_messages() -> dict[str, str]:
    """Return {event type name: display message}, cached for a few seconds per process."""
    global _catalog_cache
    loaded_at, catalog = _catalog_cache
    if not catalog or time.monotonic() - loaded_at > _CATALOG_TTL:
        catalog = {
            name: message or label
            for name, message, label in EventType.objects.values_list(
                "name", "display_message", "label"
            )
        }
        _catalog_cache = (time.monotonic(), catalog)
    return catalog


def forget_catalog_cache() -> None:
    """Drop the cached catalog (after the catalog was loaded again)."""
    global _catalog_cache
    _catalog_cache = (0.0, {})
