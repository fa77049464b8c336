"""A hook's deliveries per hour by outcome, and latency, as inline SVG: the console's
"Delivery health" chart (the HTML keeps its health-* ids and classes).

Drawn on the server (no JavaScript, no chart library): stacked bars count the
deliveries created in each of the last 24 hours by their status, and a line
joins the median attempt duration of each hour.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from hooks.models import Delivery, DeliveryAttempt, EventHook

HOURS = 24
MAX_DURATIONS = 50_000  # a cap on rows read for medians; enough for a day of a busy hook

WIDTH, HEIGHT = 1000, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 56, 28, 30
COLOURS = {"succeeded": "#2f855a", "failed": "#c53030", "pending": "#d69e2e", "line": "#2b6cb0"}


@dataclass
class HourBucket:
    """One hour of a hook's deliveries."""

    start: datetime
    succeeded: int = 0
    failed: int = 0
    pending: int = 0  # still PENDING or SENDING: waiting for a retry
    median_ms: float | None = None

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.pending


def deliveries_per_hour(hook: EventHook, *, now: datetime | None = None) -> list[HourBucket]:
    """The last 24 hours of `hook`, oldest first, the current hour last: two queries."""
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=HOURS)
    buckets = {
        start + timedelta(hours=i): HourBucket(start + timedelta(hours=i)) for i in range(HOURS)
    }
    counts = (
        Delivery.objects.filter(hook=hook, kind=Delivery.Kind.EVENTS, created_at__gte=start)
        .annotate(hour=TruncHour("created_at"))
        .order_by()
        .values_list("hour", "status")
        .annotate(n=Count("id"))
    )
    for hour, status, n in counts:
        bucket = buckets.get(hour)
        if bucket is None:
            continue
        if status == Delivery.Status.SUCCEEDED:
            bucket.succeeded += n
        elif status == Delivery.Status.FAILED:
            bucket.failed += n
        else:
            bucket.pending += n
    durations: dict[datetime, list[float]] = defaultdict(list)
    attempts = (
        DeliveryAttempt.objects.filter(
            delivery__hook=hook,
            delivery__kind=Delivery.Kind.EVENTS,
            started_at__gte=start,
            duration_ms__isnull=False,
        )
        .annotate(hour=TruncHour("started_at"))
        .order_by()
        .values_list("hour", "duration_ms")[:MAX_DURATIONS]
    )
    for hour, duration in attempts:
        durations[hour].append(cast(float, duration))  # duration_ms__isnull=False
    for hour, values in durations.items():
        if hour in buckets:
            buckets[hour].median_ms = statistics.median(values)
    return [buckets[key] for key in sorted(buckets)]


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^n that is at least `value` (a readable axis maximum)."""
    if value <= 0:
        return 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _fmt(number: float) -> str:
    return f"{number:.0f}" if number >= 10 or number == int(number) else f"{number:.1f}"


def deliveries_chart_svg(
    buckets: list[HourBucket], *, title: str = "Delivery health"
) -> SafeString:
    """An accessible SVG: stacked bars per hour (outcomes) and a line (median latency)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count_max = _nice_ceiling(max((b.total for b in buckets), default=0))
    latencies = [b.median_ms for b in buckets if b.median_ms is not None]
    latency_max = _nice_ceiling(max(latencies, default=0))
    slot = plot_w / max(len(buckets), 1)
    bar_w = slot * 0.7
    total = sum(b.total for b in buckets)
    failed = sum(b.failed for b in buckets)
    summary = (
        f"{total} deliveries in the last {len(buckets)} hours: "
        f"{sum(b.succeeded for b in buckets)} succeeded, {failed} failed, "
        f"{sum(b.pending for b in buckets)} waiting for a retry."
    )
    if latencies:
        summary += (
            f" Median latency per hour ranged from {_fmt(min(latencies))} to "
            f"{_fmt(max(latencies))} ms."
        )
    parts = [
        f'<svg class="health-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="health-title health-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="health-title">{escape(title)}</title>',
        f'<desc id="health-desc">{escape(summary)}</desc>',
    ]
    # Grid and axes: counts on the left, milliseconds on the right.
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        count = count_max * fraction
        if count == int(count):  # deliveries come whole: no "0.5" tick
            parts.append(
                f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" '
                f'text-anchor="end">{_fmt(count)}</text>'
            )
        if latencies:
            parts.append(
                f'<text class="axis latency" x="{LEFT + plot_w + 6}" y="{y + 4:.1f}">'
                f"{_fmt(latency_max * fraction)} ms</text>"
            )
    parts.append(f'<text class="axis" x="{LEFT}" y="{TOP - 12}">deliveries / hour</text>')
    points = []
    for index, bucket in enumerate(buckets):
        x = LEFT + index * slot + (slot - bar_w) / 2
        label = f"{bucket.start:%H:%M}–{bucket.start + timedelta(hours=1):%H:%M} UTC"
        detail = (
            f"{label}: {bucket.succeeded} succeeded, {bucket.failed} failed, "
            f"{bucket.pending} waiting"
        )
        if bucket.median_ms is not None:
            detail += f"; median latency {_fmt(bucket.median_ms)} ms"
        parts.append(f'<g class="hour"><title>{escape(detail)}</title>')
        # An invisible full-height rectangle makes the whole hour hoverable.
        parts.append(
            f'<rect class="hit" x="{LEFT + index * slot:.1f}" y="{TOP}" '
            f'width="{slot:.1f}" height="{plot_h}"/>'
        )
        y = TOP + plot_h
        for name in ("succeeded", "failed", "pending"):
            value = getattr(bucket, name)
            if not value:
                continue
            height = plot_h * value / count_max
            y -= height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[name]}"/>'
            )
        parts.append("</g>")
        if index % 3 == 0:
            parts.append(
                f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 10}" '
                f'text-anchor="middle">{bucket.start:%H:%M}</text>'
            )
        if bucket.median_ms is not None:
            cy = TOP + plot_h * (1 - bucket.median_ms / latency_max)
            points.append((x + bar_w / 2, cy))
        elif points:
            parts.append(_polyline(points))
            points = []
    if points:
        parts.append(_polyline(points))
    if not total:
        parts.append(
            f'<text class="empty" x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" '
            'text-anchor="middle">No deliveries in the last 24 hours</text>'
        )
    parts.append(_legend(bool(latencies)))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def _polyline(points: list[tuple[float, float]]) -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{COLOURS["line"]}" stroke="#fff"/>'
        for x, y in points
    )
    return (
        f'<polyline points="{coords}" fill="none" stroke="{COLOURS["line"]}" '
        f'stroke-width="2"/>{dots}'
    )


def _legend(with_latency: bool) -> str:
    entries = [("succeeded", "Succeeded"), ("failed", "Failed"), ("pending", "Retrying")]
    x = WIDTH - RIGHT - 340
    parts = []
    for key, text in entries:
        parts.append(
            f'<rect x="{x}" y="{TOP - 22}" width="10" height="10" '
            f'fill="{COLOURS[key]}"/><text class="axis" x="{x + 14}" '
            f'y="{TOP - 13}">{text}</text>'
        )
        x += 82
    if with_latency:
        parts.append(
            f'<line x1="{x}" x2="{x + 14}" y1="{TOP - 17}" y2="{TOP - 17}" '
            f'stroke="{COLOURS["line"]}" stroke-width="2"/><text class="axis" '
            f'x="{x + 18}" y="{TOP - 13}">Median latency</text>'
        )
    return "".join(parts)


def deliveries_chart_table(buckets: list[HourBucket], *, caption: str) -> SafeString:
    """The chart's numbers as a table, for screen readers (the SVG is one image to them:
    its per-hour tooltips are out of their reach). Hours without deliveries are left out."""
    rows = []
    for bucket in buckets:
        if not bucket.total:
            continue
        latency = "—" if bucket.median_ms is None else f"{_fmt(bucket.median_ms)} ms"
        rows.append(
            f'<tr><th scope="row">{bucket.start:%H:%M}–'
            f"{bucket.start + timedelta(hours=1):%H:%M} UTC</th><td>{bucket.succeeded}</td>"
            f"<td>{bucket.failed}</td><td>{bucket.pending}</td><td>{latency}</td></tr>"
        )
    if not rows:
        rows.append('<tr><td colspan="5">No deliveries in the last 24 hours</td></tr>')
    head = (
        '<tr><th scope="col">Hour</th><th scope="col">Succeeded</th><th scope="col">Failed</th>'
        '<th scope="col">Retrying</th><th scope="col">Median latency</th></tr>'
    )
    return mark_safe(
        f'<table class="visually-hidden"><caption>{escape(caption)}</caption>'
        f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
    )
