"""The Deliveries tab's rows, made ready to place: every string a row shows, computed once.

A page draws 25 deliveries, each with its attempts and their headers. In the Django template
engine each variable, filter, `{% if %}`, `{% url %}` and `{% include %}` costs several
microseconds, and done per row they made most of the page's time (71 ms p50 at 1,000,000
deliveries, of which 5 ms were the query). So the dates, plurals, truncations, badge classes,
links and the small repeated tables (headers, event uuids) are made here, with the same rules
as the filters the template used; the template (hooks/_delivery_list.html) only places them.

Rows are TypedDicts, not dataclasses: the template engine tries `row[name]` before
`getattr(row, name)`, and on an object each of the ~50 variables a row draws costs it a
caught TypeError (a third of the list's rendering time).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

from django.db.models import Prefetch, prefetch_related_objects
from django.template.defaultfilters import title, truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from hooks.delivery.delivery_log import contents, log_state, summary
from hooks.models import Delivery, DeliveryAttempt, EventHook

REDELIVERABLE = frozenset({Delivery.Status.SUCCEEDED, Delivery.Status.FAILED})
_ATTEMPTS = "attempt_list"  # the attribute delivery_rows prefetches the attempts into
_BADGES = {"SUCCEEDED": "ok", "FAILED": "bad", "SUCCESS": "ok", "FAILURE": "bad"}


class AttemptRow(TypedDict):
    number: str
    outcome: str
    badge: str  # the CSS class of its outcome: ok, bad or warn
    started: str
    response_status: str
    duration: str  # "42 ms", or "—" while it runs
    error: str
    request_headers: SafeString  # <tr> rows
    response_headers: SafeString  # <tr> rows; "" when there were none
    response_excerpt: str


class DeliveryRow(TypedDict):
    pk: str  # strings, not numbers: the template would localize each number
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
    more_actors: str  # "+2" (beyond the first); "" for none
    target: str
    more_targets: str
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
    payload_length: str  # characters of the body; "" when there is none
    pretty: str
    redeliver_url: str  # "" when it cannot be redelivered


def delivery_rows(
    deliveries: list[Delivery], *, hook: EventHook, now: datetime
) -> list[DeliveryRow]:
    """The rows of `hook`'s `deliveries` as of `now`, with their attempts (one query)."""
    # Prefetched into a list, not into the `attempts` manager's cache: that one builds a
    # filtered queryset per delivery (~0.15 ms each), which the rows never use.
    prefetch_related_objects(deliveries, Prefetch("attempts", to_attr=_ATTEMPTS))
    # One reverse() for the page: the redelivery URLs differ only in the delivery's pk (the
    # URL's hook id cannot hold a "/", so the last "/0/" is the pk's place).
    head, tail = reverse("hooks:delivery-redeliver", args=[hook.id, 0]).rsplit("/0/", 1)
    row = _RowMaker(zone=timezone.get_current_timezone(), now=now, redeliver=(head, tail))
    return [row.of(delivery) for delivery in deliveries]


class _RowMaker:
    def __init__(self, *, zone: tzinfo, now: datetime, redeliver: tuple[str, str]) -> None:
        self.zone, self.now, self.redeliver = zone, now, redeliver

    def of(self, delivery: Delivery) -> DeliveryRow:
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
        moment = self.moment
        return DeliveryRow(
            pk=str(delivery.pk),
            envelope_id=str(delivery.envelope_id),
            status=status,
            dom_id=f"{dom_id}-{redelivered_as}" if redelivered_as else dom_id,
            preserve=status in REDELIVERABLE,
            badge=_BADGES.get(status, "warn"),
            kind=title(delivery.get_kind_display()),
            counted=counted,
            created_iso=self.local(delivery.created_at).isoformat(),
            created=moment(delivery.created_at),
            attempts_counted=f"{delivery.attempt_count} attempt{_plural(delivery.attempt_count)}",
            summary=_truncated(summary(delivery, state, now=self.now), 120),
            summary_class="muted" if status == Delivery.Status.SUCCEEDED else "bad-text",
            event_types=_truncated(", ".join(carried.event_types), 80),
            event_types_title=f"Event type{_plural(len(carried.event_types))}",
            actor=carried.actors[0] if carried.actors else "",
            more_actors=_more(carried.actors),
            target=_truncated(carried.targets[0], 48) if carried.targets else "",
            more_targets=_more(carried.targets),
            duration=_milliseconds(state.duration_ms),
            redelivery_of=state.redelivery_of or "",
            redelivered_as=redelivered_as,
            last_attempt=moment(state.last_updated) if delivery.attempt_count else "",
            last_error=state.last_error or "",
            next_attempt=moment(state.next_attempt_at),
            completed=moment(delivery.completed_at),
            event_uuids_label=f"Event{_plural(len(carried.event_uuids))}"
            if carried.event_uuids
            else "",
            event_uuids=mark_safe(  # each uuid escaped
                ", ".join(
                    f'<code class="event-uuid">{html.escape(uuid)}</code>'
                    for uuid in carried.event_uuids
                )
            ),
            attempts=[self.attempt(attempt) for attempt in getattr(delivery, _ATTEMPTS)],
            payload_length=str(len(delivery.body)) if delivery.body else "",
            pretty=carried.pretty,
            redeliver_url=f"{self.redeliver[0]}/{delivery.pk}/{self.redeliver[1]}"
            if redeliverable
            else "",
        )

    def attempt(self, attempt: DeliveryAttempt) -> AttemptRow:
        return AttemptRow(
            number=str(attempt.number),
            outcome=attempt.outcome,
            badge=_BADGES.get(attempt.outcome, "warn"),
            started=self.moment(attempt.started_at),
            response_status=str(attempt.response_status or "no response"),
            duration=_milliseconds(attempt.duration_ms) or "—",
            error=attempt.error,
            request_headers=_header_rows(attempt.request_headers),
            response_headers=_header_rows(attempt.response_headers or {}),
            response_excerpt=attempt.response_excerpt,
        )

    def local(self, moment: datetime) -> datetime:
        """In the current time zone, as the template's `date` filter shows it."""
        return moment.astimezone(self.zone) if timezone.is_aware(moment) else moment

    def moment(self, moment: datetime | None) -> str:
        """The console's timestamp: "2026-11-29 20:00:00" ("" for none)."""
        return f"{self.local(moment):%Y-%m-%d %H:%M:%S}" if moment else ""


_HEADER_ROW = '<tr><th scope="row"><code>{}</code></th><td><code>{}</code></td></tr>'


def _header_rows(headers: object) -> SafeString:
    """Table rows of a header mapping (a stored value of another shape shows none)."""
    if not isinstance(headers, Mapping):
        return mark_safe("")
    # html.escape is what django.utils.html.escape calls, without its lazy-string checks.
    return mark_safe(
        "".join(
            _HEADER_ROW.format(html.escape(str(key)), html.escape(str(value)))
            for key, value in headers.items()
        )
    )


def _milliseconds(duration: float | None) -> str:
    """A duration as "42 ms" ("" for none): rounded half up from the float's repr, as the
    `floatformat:0` filter rounds (which also localizes: ~30 µs a call)."""
    if duration is None:
        return ""
    return f"{int(Decimal(repr(duration)).quantize(Decimal(1), rounding=ROUND_HALF_UP))} ms"


def _truncated(text: str, limit: int) -> str:
    """The `truncatechars` filter, without its cost for the usual text that fits."""
    if len(text) <= limit:  # it counts characters, less any combining ones: this fits
        return unicodedata.normalize("NFC", text)
    return truncatechars(text, limit)


def _more(values: list[str]) -> str:
    return f"+{len(values) - 1}" if len(values) > 1 else ""


def _plural(count: int) -> str:
    return "" if count == 1 else "s"
