"""Event catalog data: the event types hooks can subscribe to, plus sample LogEvents.

The catalog lives in ``event_types.json`` next to this module: one object per event type,
sorted by name. The 314 hook-eligible names (50 of them beta) mirror Okta's catalog
(reference/okta-event-hooks.md, Appendix A); labels, descriptions and display messages are
our own words. The ``event_hook.*`` audit types that the console writes to its own System
Log are listed too, with ``hook_eligible`` false.

This package is plain Python (no Django imports), so loaders, migrations, commands and
tests can all use it; hooks.systemlog.event_types loads it into the EventType table.

May import: the standard library only.
"""

from __future__ import annotations

from .entries import (
    ACTOR_TYPES,
    AUDIT_EVENT_TYPES,
    CATALOG_PATH,
    CATEGORIES,
    ENTRY_KEYS,
    CatalogError,
    get_catalog_entry,
    load_catalog_entries,
)
from .samples import CONCEPTS_SAMPLE_EVENT, DEACTIVATE_SAMPLE_EVENT, sample_log_event

__all__ = [
    "ACTOR_TYPES",
    "AUDIT_EVENT_TYPES",
    "CATALOG_PATH",
    "CATEGORIES",
    "CONCEPTS_SAMPLE_EVENT",
    "DEACTIVATE_SAMPLE_EVENT",
    "ENTRY_KEYS",
    "CatalogError",
    "get_catalog_entry",
    "load_catalog_entries",
    "sample_log_event",
]
