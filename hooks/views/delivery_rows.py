"""The Deliveries tab's rows, made ready to place: every string a row shows, computed once.

A page draws 25 deliveries, each with its attempts and their headers. In the Django template
engine each variable, filter, `{% if %}`, `{% url %}` and `{% include %}` costs several
microseconds, and done per row they made most of the page's time (71 ms p50 at 1,000,000
deliveries, of which 5 ms were the query). So the dates, plurals, truncations, badge classes,
links and the small repeated tables (headers, event uuids) are made here, with the same filters
the template used; the template (hooks/_delivery_list.html) only places them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, prefetch_related_objects
from django.template.defaultfilters import title, truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from hooks.delivery.delivery_log import contents, log_state, summary
from hooks.models import Delivery, DeliveryAttempt

REDELIVERABLE = frozenset({Delivery.Status.SUCCEEDED, Delivery.Status.FAILED})
_BADGES = {"SUCCEEDED": "ok", "FAILED": "bad", "SUCCESS": "ok", "FAILURE": "bad"}


@dataclass(frozen=True)
class AttemptRow:
    number: int
    outcome: str
    badge: str  # the CSS class of its outcome: ok, bad or warn
    started: str
    response_status: str
    duration: str  # "42 ms", or "—" while it runs
    error: str
    request_headers: SafeString  # <tr> rows
    response_headers: SafeString  # <tr> rows; "" when there were none
    response_excerpt: str


@dataclass(frozen=True)
class DeliveryRow:
    pk: int
    envelope_id: str
    status: str
    dom_id: str  # changes with what the row shows: the poll's hx-preserve keys on it
    preserve: bool  # finished: only a redelivery changes it
    badge: str
    kind: str
    counted: str  # "3 events", or "challenge"
    created_iso: str
    created: str
    attempts_counted: str  # "2 attempts"
    summary: str
    summary_class: str
    event_types: str  # joined and truncated; "" when none
    event_types_title: str
    actor: str
    more_actors: int
    target: str
    more_targets: int
    duration: str  # of the newest finished attempt; "" when none
    redelivery_of: str
    redelivered_as: str
    last_attempt: str  # "" before the first attempt
    last_error: str
    next_attempt: str
    completed: str
    event_uuids_label: str  # "Event" or "Events"; "" when the body names none
    event_uuids: SafeString
    attempts: list[AttemptRow]
    payload_length: int  # characters of the body; 0 when there is none
    pretty: str
    redeliver_url: str  # "" when it cannot be redelivered


def delivery_rows(deliveries: Iterable[Delivery], *, now: datetime) -> list[DeliveryRow]:
    """The rows of `deliveries`, as of `now` (their attempts prefetched by with_attempts)."""
    return [_row(delivery, now) for delivery in deliveries]


def with_attempts(deliveries: list[Delivery]) -> None:
    """Prefetch the attempts of `deliveries` (in one query) as `delivery.attempt_list`.

    A list, not the `attempts` manager's cache: that one builds a filtered queryset per
    delivery (~0.15 ms each), which the page never uses.
    """
    prefetch_related_objects(deliveries, Prefetch("attempts", to_attr="attempt_list"))


def _row(delivery: Delivery, now: datetime) -> DeliveryRow:
    state = log_state(delivery)
    carried = contents(delivery)
    status = delivery.status
    redelivered_as = state.redelivered_as or ""
    dom_id = f"delivery-{delivery.pk}-{status}-{delivery.attempt_count}"
    counted = (
        f"{delivery.event_count} event{_plural(delivery.event_count)}"
        if delivery.kind in (Delivery.Kind.EVENTS, Delivery.Kind.PREVIEW)
        else "challenge"
    )
    redeliverable = delivery.kind == Delivery.Kind.EVENTS and status in REDELIVERABLE
    return DeliveryRow(
        pk=delivery.pk,
        envelope_id=str(delivery.envelope_id),
        status=status,
        dom_id=f"{dom_id}-{redelivered_as}" if redelivered_as else dom_id,
        preserve=status in REDELIVERABLE,
        badge=_BADGES.get(status, "warn"),
        kind=title(delivery.get_kind_display()),
        counted=counted,
        created_iso=_local(delivery.created_at).isoformat(),
        created=_moment(delivery.created_at),
        attempts_counted=f"{delivery.attempt_count} attempt{_plural(delivery.attempt_count)}",
        summary=_truncated(summary(delivery, state, now=now), 120),
        summary_class="muted" if status == Delivery.Status.SUCCEEDED else "bad-text",
        event_types=_truncated(", ".join(carried.event_types), 80),
        event_types_title=f"Event type{_plural(len(carried.event_types))}",
        actor=carried.actors[0] if carried.actors else "",
        more_actors=len(carried.actors) - 1,
        target=_truncated(carried.targets[0], 48) if carried.targets else "",
        more_targets=len(carried.targets) - 1,
        duration=_milliseconds(state.duration_ms),
        redelivery_of=state.redelivery_of or "",
        redelivered_as=redelivered_as,
        last_attempt=_moment(state.last_updated) if delivery.attempt_count else "",
        last_error=state.last_error or "",
        next_attempt=_moment(state.next_attempt_at),
        completed=_moment(delivery.completed_at),
        event_uuids_label=f"Event{_plural(len(carried.event_uuids))}"
        if carried.event_uuids
        else "",
        event_uuids=format_html_join(
            ", ", '<code class="event-uuid">{}</code>', ((uuid,) for uuid in carried.event_uuids)
        ),
        attempts=[_attempt(attempt) for attempt in delivery.attempt_list],
        payload_length=len(delivery.body),
        pretty=carried.pretty,
        redeliver_url=reverse("hooks:delivery-redeliver", args=[delivery.hook_id, delivery.pk])
        if redeliverable
        else "",
    )


def _attempt(attempt: DeliveryAttempt) -> AttemptRow:
    return AttemptRow(
        number=attempt.number,
        outcome=attempt.outcome,
        badge=_BADGES.get(attempt.outcome, "warn"),
        started=_moment(attempt.started_at),
        response_status=str(attempt.response_status or "no response"),
        duration=_milliseconds(attempt.duration_ms) or "—",
        error=attempt.error,
        request_headers=_header_rows(attempt.request_headers),
        response_headers=_header_rows(attempt.response_headers or {}),
        response_excerpt=attempt.response_excerpt,
    )


def _header_rows(headers: object) -> SafeString:
    """Table rows of a header mapping (a stored value of another shape shows none)."""
    return format_html_join(
        "",
        '<tr><th scope="row"><code>{}</code></th><td><code>{}</code></td></tr>',
        headers.items() if isinstance(headers, Mapping) else (),
    )


def _local(moment: datetime) -> datetime:
    """In the current time zone, as the template's `date` filter shows it."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _moment(moment: datetime | None) -> str:
    """The console's timestamp: "2026-11-29 20:00:00" ("" for none)."""
    return f"{_local(moment):%Y-%m-%d %H:%M:%S}" if moment else ""


def _milliseconds(duration: float | None) -> str:
    """ "42 ms" ("" for none), rounded half up as the `floatformat:0` filter rounds (which
    also goes through the float's repr, and localizes: 30 µs a call)."""
    if duration is None:
        return ""
    return f"{int(Decimal(repr(duration)).quantize(Decimal(1), rounding=ROUND_HALF_UP))} ms"


def _truncated(text: str, limit: int) -> str:
    """The `truncatechars` filter, without its cost for the usual text that fits."""
    if len(text) <= limit:  # it counts characters, less any combining ones: this fits
        return unicodedata.normalize("NFC", text)
    return truncatechars(text, limit)


def _plural(count: int) -> str:
    return "" if count == 1 else "s"
