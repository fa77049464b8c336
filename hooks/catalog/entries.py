"""The catalog file, event_types.json: its shape, read and validated once per process."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

CATALOG_PATH: Path = Path(__file__).resolve().parent / "event_types.json"

# Keys of one catalog entry, in the order they appear in the JSON file.
ENTRY_KEYS: tuple[str, ...] = (
    "name",
    "label",
    "description",
    "category",
    "hook_eligible",
    "beta",
    "display_message",
    "target_types",
    "actor_type",
)

# The fixed set of human categories, in the order the console lists them.
CATEGORIES: tuple[str, ...] = (
    "User lifecycle",
    "User account",
    "Sessions and authentication",
    "MFA and authenticators",
    "Risk and identity verification",
    "Groups",
    "Applications",
    "App access and OAuth",
    "Policies",
    "Security and org settings",
    "Devices",
    "Identity governance",
    "Admin roles and resource sets",
    "Workload identities and AI agents",
    "Resource servers",
    "System",
    "Event hooks",
)

# LogEvent actor types that catalog entries may name.
ACTOR_TYPES: tuple[str, ...] = ("User", "PublicClientApp", "SystemPrincipal")

# System Log types the console writes about hooks themselves. They are in the catalog but
# never hook-eligible (reference §3.7). The last two are our own additions.
AUDIT_EVENT_TYPES: tuple[str, ...] = (
    "event_hook.created",
    "event_hook.updated",
    "event_hook.activated",
    "event_hook.deactivated",
    "event_hook.deleted",
    "event_hook.verified",
    "event_hook.delivery",
    "event_hook.filter.error",
    "event_hook.auto_deactivated",
    # The same for sources (hooks/sources/): events coming in from an Okta org.
    "source.created",
    "source.updated",
    "source.activated",
    "source.deactivated",
    "source.deleted",
)


class CatalogError(ValueError):
    """Raised when ``event_types.json`` does not have the expected shape."""


def _validate_entry(index: int, entry: Any) -> None:
    """Raise CatalogError if one decoded JSON entry is malformed."""
    if not isinstance(entry, dict):
        raise CatalogError(f"entry {index} is not an object")
    where = f"entry {index} ({entry.get('name', '?')!r})"
    if tuple(entry) != ENTRY_KEYS:
        raise CatalogError(f"{where} has keys {list(entry)}, expected {list(ENTRY_KEYS)}")
    for key in ("name", "label", "description", "display_message"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise CatalogError(f"{where}: {key} must be a non-empty string")
    for key in ("hook_eligible", "beta"):
        if not isinstance(entry[key], bool):
            raise CatalogError(f"{where}: {key} must be a boolean")
    if entry["category"] not in CATEGORIES:
        raise CatalogError(f"{where}: unknown category {entry['category']!r}")
    if entry["actor_type"] not in ACTOR_TYPES:
        raise CatalogError(f"{where}: unknown actor_type {entry['actor_type']!r}")
    targets = entry["target_types"]
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
        raise CatalogError(f"{where}: target_types must be a list of non-empty strings")


@functools.cache
def _load_validated() -> tuple[dict[str, Any], ...]:
    """Read and validate the catalog file once per process."""
    with CATALOG_PATH.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, list):
        raise CatalogError(f"{CATALOG_PATH.name} must hold a JSON array")
    for index, entry in enumerate(data):
        _validate_entry(index, entry)
    names = [entry["name"] for entry in data]
    if names != sorted(names) or len(set(names)) != len(names):
        raise CatalogError(f"{CATALOG_PATH.name}: names must be unique and sorted")
    return tuple(data)


def _copy_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "target_types": list(entry["target_types"])}


def load_catalog_entries() -> list[dict[str, Any]]:
    """Return every catalog entry, sorted by name.

    The file is read and validated once; each call returns fresh copies, so callers may
    mutate the result without affecting later calls.
    """
    return [_copy_entry(entry) for entry in _load_validated()]


@functools.cache
def _entries_by_name() -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in _load_validated()}


def get_catalog_entry(name: str) -> dict[str, Any] | None:
    """Return a copy of the entry for ``name``, or None if the catalog has no such type."""
    entry = _entries_by_name().get(name)
    return None if entry is None else _copy_entry(entry)
