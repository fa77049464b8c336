"""Writes on sources: create, replace, activate, deactivate, delete.

Every change is validated by hooks.sources.validation, saved in one transaction and
audited in the System Log as the matching `source.*` event (console-only types, as
`event_hook.*`: POST /api/v1/events refuses them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from hooks.eventhooks.services import Actor
from hooks.lib import encryption
from hooks.models import Source
from hooks.sources.reader import enqueue_reader
from hooks.sources.validation import (
    SourceSpec,
    normalized_org_url,
    validate_source_spec,
)
from hooks.systemlog.events import format_timestamp
from hooks.systemlog.publishing import event_publish


class SourceIsActive(Exception):
    """Only INACTIVE sources can be deleted."""


def target_for_source(source: Source) -> dict:
    """A LogEvent `target` entry describing a source."""
    return {
        "id": source.id,
        "type": "Source",
        "alternateId": source.org_url or source.type,
        "displayName": source.name,
        "detailEntry": None,
    }


def _audit(event_type: str, source: Source, actor: Actor, **debug) -> None:
    raw = {
        "eventType": event_type,
        "published": format_timestamp(datetime.now(UTC)),
        "severity": "INFO",
        "actor": actor.log_actor(),
        "outcome": {"result": "SUCCESS", "reason": None},
        "target": [target_for_source(source)],
        "transaction": {"type": "WEB", "id": None, "detail": actor.transaction_detail()},
        "debugContext": {"debugData": debug},
    }
    event_publish(events=[raw])


def _apply_spec(source: Source, spec: SourceSpec) -> bool:
    """Copy `spec` onto `source`; return True when where a reader reads from changed."""
    org_url = normalized_org_url(spec.org_url) if spec.org_url else ""
    moved = (
        source.org_url != org_url
        or source.filter != (spec.filter or "")
        or (spec.since is not None and spec.since != source.since)
    )
    source.name = spec.name
    source.type = spec.type
    if spec.auth_value is not None:
        source.auth_value_encrypted = encryption.encrypt(spec.auth_value)
    elif spec.auth_key != source.auth_key:
        source.auth_value_encrypted = ""  # the old secret belonged to the old header
    source.auth_key = spec.auth_key
    source.org_url = org_url
    if spec.token is not None:
        source.token_encrypted = encryption.encrypt(spec.token)
    source.filter = spec.filter or ""
    if spec.since is not None:
        source.since = spec.since
    return moved


def _enqueue_reader_on_commit(source: Source) -> None:
    if source.type == Source.Type.OKTA_SYSTEM_LOG and source.status == Source.Status.ACTIVE:
        transaction.on_commit(lambda: enqueue_reader(source.pk))


def source_create(*, spec: SourceSpec, actor: Actor) -> Source:
    """Create a source (ACTIVE unless `spec.status` says otherwise)."""
    validate_source_spec(spec)
    with transaction.atomic():
        source = Source(status=spec.status or Source.Status.ACTIVE)
        _apply_spec(source, spec)
        if source.type == Source.Type.OKTA_SYSTEM_LOG and source.since is None:
            source.since = timezone.now()  # from now on, as Okta's own polling starts
        if actor.user is not None:
            source.created_by = actor.user
        source.save()
        _audit("source.created", source, actor)
        _enqueue_reader_on_commit(source)
    return source


def source_replace(*, source: Source, spec: SourceSpec, actor: Actor) -> Source:
    """Replace every user-settable field (PUT). A reader whose org, filter or start changed
    starts again from `since`: its old position belongs to another query."""
    validate_source_spec(spec, instance=source)
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        if _apply_spec(source, spec):
            source.position = ""
            source.next_poll_at = None
            # A reader in the middle of a page of the old query loses its lease: its page
            # and position are not written over the new start.
            source.lease_owner = ""
            source.lease_expires_at = None
        if spec.status is not None:
            source.status = spec.status
        source.save()
        _audit("source.updated", source, actor)
        _enqueue_reader_on_commit(source)
    return source


def _set_status(source: Source, status: str, actor: Actor, event_type: str) -> Source:
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        source.status = status
        if status == Source.Status.ACTIVE:
            source.next_poll_at = None
        source.save()
        _audit(event_type, source, actor)
        _enqueue_reader_on_commit(source)
    return source


def source_activate(*, source: Source, actor: Actor) -> Source:
    return _set_status(source, Source.Status.ACTIVE, actor, "source.activated")


def source_deactivate(*, source: Source, actor: Actor) -> Source:
    """INACTIVE: the ingest URL refuses events and the reader stops after its current page."""
    return _set_status(source, Source.Status.INACTIVE, actor, "source.deactivated")


def source_delete(*, source: Source, actor: Actor) -> None:
    """Delete an INACTIVE source; its events stay in the System Log (they keep its id)."""
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        if source.status == Source.Status.ACTIVE:
            raise SourceIsActive(source.id)
        _audit("source.deleted", source, actor)
        source.delete()
