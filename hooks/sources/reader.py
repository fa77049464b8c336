"""System Log readers: an OKTA_SYSTEM_LOG source polls `orgUrl/api/v1/logs` as Okta
documents for polling: `since` and `sortOrder=ASCENDING` first, no `until`, then the
`next` link for ever, waiting before following the link of an empty page.

One reader at a time per source: a task holds the source by a lease (compare-and-set on
`lease_owner`/`lease_expires_at`), renewed before each page. Each page's events and the
next link are written in one transaction that also checks the lease is still ours, so a
restart or a killed worker loses nothing and stores nothing twice: the next reader starts
at the link after the last committed page (and a page read twice only finds duplicates).

A task reads for at most HOOKS_SOURCE_READ_SECONDS, then hands over to a new task (the
cluster kills tasks after its timeout). Waits longer than a poll interval (rate limits,
errors) end the task with `next_poll_at` set; the sweeper starts readers that are due.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from hooks.delivery.dispatch import enqueue
from hooks.models import Source
from hooks.outbound import transport
from hooks.sources.errors import record_error
from hooks.sources.ingest import store_events
from hooks.systemlog.events import format_timestamp

logger = logging.getLogger(__name__)

ERROR_BACKOFF = 60.0  # seconds before trying again after a failed page
LOW_REMAINING = 2  # X-Rate-Limit-Remaining at or below which we wait for the reset


class LeaseLost(Exception):
    """Another reader holds the source now (ours expired): stop without writing."""


@dataclass
class Page:
    events: list
    next_url: str | None
    wait: float = 0.0  # seconds to wait before the next request (rate limits)


class PageError(Exception):
    def __init__(self, message: str, wait: float = ERROR_BACKOFF):
        super().__init__(message)
        self.wait = wait


def enqueue_reader(source_id: str) -> None:

    enqueue("hooks.tasks.read_source", source_id, group="sources")


def enqueue_due_readers(now: datetime | None = None) -> int:
    """The sweeper's part: start every active reader that is due and not held."""
    now = now or timezone.now()
    due = list(
        Source.objects.filter(type=Source.Type.OKTA_SYSTEM_LOG, status=Source.Status.ACTIVE)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .values_list("pk", flat=True)
    )
    for source_id in due:
        enqueue_reader(source_id)
    return len(due)


def first_url(source: Source) -> str:
    params = {
        "since": format_timestamp(source.since or timezone.now()),
        "sortOrder": "ASCENDING",
        "limit": str(settings.HOOKS_SOURCE_PAGE_LIMIT),
    }
    if source.filter:
        params["filter"] = source.filter
    return f"{source.org_url}/api/v1/logs?{urlencode(params)}"


def _claim(source_id: str, owner: str) -> bool:
    now = timezone.now()
    return bool(
        Source.objects.filter(
            pk=source_id, type=Source.Type.OKTA_SYSTEM_LOG, status=Source.Status.ACTIVE
        )
        .filter(
            Q(lease_owner=owner) | Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        )
        .update(lease_owner=owner, lease_expires_at=now + _lease())
    )


def _lease() -> timedelta:
    return timedelta(seconds=settings.HOOKS_SOURCE_LEASE_SECONDS)


def _release(source_id: str, owner: str, **changes) -> None:
    Source.objects.filter(pk=source_id, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None, **changes
    )


def read_source(source_id: str) -> int:
    """Read pages of one source's System Log for a while; return the events stored."""
    owner = secrets.token_hex(16)
    if not _claim(source_id, owner):
        return 0  # inactive, deleted, or another reader holds it
    started = time.monotonic()
    budget = settings.HOOKS_SOURCE_READ_SECONDS
    stored = 0
    next_poll_at = None
    continue_after = True
    try:
        while time.monotonic() - started < budget:
            if not _claim(source_id, owner):  # renew; an admin may have deactivated it
                continue_after = False
                break
            source = Source.objects.get(pk=source_id)
            if source.next_poll_at is not None and source.next_poll_at > timezone.now():
                # A wait decided by an earlier task (rate limit, error, empty page).
                delay = (source.next_poll_at - timezone.now()).total_seconds()
                if delay > settings.HOOKS_SOURCE_POLL_INTERVAL:
                    next_poll_at, continue_after = source.next_poll_at, False
                    break
                time.sleep(delay)
                Source.objects.filter(pk=source_id, lease_owner=owner).update(next_poll_at=None)
            url = source.position or first_url(source)
            try:
                page = fetch_page(source, url)
            except PageError as error:
                record_error(source_id, str(error))
                next_poll_at = timezone.now() + timedelta(seconds=error.wait)
                continue_after = False  # the sweeper starts it again when due
                break
            stored += _store_page(source, owner, page)
            wait = page.wait
            if not page.events:
                wait = max(wait, settings.HOOKS_SOURCE_POLL_INTERVAL)
            if wait > settings.HOOKS_SOURCE_POLL_INTERVAL:
                next_poll_at = timezone.now() + timedelta(seconds=wait)
                continue_after = False
                break
            if wait > 0:
                if time.monotonic() - started + wait >= budget:
                    next_poll_at = timezone.now() + timedelta(seconds=wait)
                    break
                time.sleep(wait)
    except LeaseLost:
        logger.warning("source %s: lease lost to another reader", source_id)
        return stored
    _release(source_id, owner, next_poll_at=next_poll_at)
    # A fresh task for the next slice. With tasks run inline (HOOKS_Q_SYNC) that would be
    # endless recursion: there the sweeper starts the next slice.
    if continue_after and not settings.Q_CLUSTER.get("sync"):
        enqueue_reader(source_id)
    return stored


def _store_page(source: Source, owner: str, page: Page) -> int:
    """The page's events, the next link and the lag bookkeeping, in one transaction that
    also proves the lease is still ours."""
    next_url = page.next_url or source.position or first_url(source)

    def save_position(_result) -> None:
        changes = {"position": next_url, "lease_expires_at": timezone.now() + _lease()}
        if not page.events:
            changes["caught_up_at"] = timezone.now()
        if not Source.objects.filter(pk=source.pk, lease_owner=owner).update(**changes):
            raise LeaseLost(source.pk)

    result = store_events(source, page.events, in_transaction=save_position)
    if result.rejected:
        record_error(source.pk, f"{len(result.rejected)} events refused: {result.rejected[0]}")
    return result.stored


def fetch_page(source: Source, url: str) -> Page:
    """GET one page; raise PageError (with how long to wait) when there is none to store."""
    result = transport.get(
        url=url,
        headers={"Authorization": f"SSWS {source.token}", "Accept": "application/json"},
        timeout=settings.HOOKS_SOURCE_TIMEOUT,
        max_body=settings.HOOKS_SOURCE_MAX_BODY,
    )
    wait = _rate_limit_wait(result.response_headers)
    if result.status_code == 429:
        raise PageError("429 Too Many Requests from the org", wait or result.retry_after or 60.0)
    if not result.ok:
        detail = result.error or f"HTTP {result.status_code}: {result.response_excerpt[:300]}"
        raise PageError(f"Reading {urlsplit(url).path} failed: {detail}")
    if result.body_truncated:
        raise PageError(f"A page was larger than {settings.HOOKS_SOURCE_MAX_BODY} bytes")
    try:
        events = json.loads(result.response_excerpt)
    except ValueError:
        raise PageError("The org answered something that is not JSON") from None
    if not isinstance(events, list):
        raise PageError("The org answered JSON that is not an array of LogEvents")
    next_url = next_link(result.response_headers.get("Link", ""))
    if next_url is not None and not _same_origin(next_url, source.org_url):
        # The token goes wherever the link points: only ever to the org itself.
        raise PageError(f"The next link leaves the org ({urlsplit(next_url).netloc})")
    return Page(events, next_url, wait)


def next_link(header: str) -> str | None:
    """The URL of rel="next" in a Link header, or None."""
    for part in header.split(","):
        section = part.strip()
        if section.startswith("<") and ">" in section:
            url, _, params = section[1:].partition(">")
            if any(
                p.strip().replace(" ", "") in ('rel="next"', "rel=next") for p in params.split(";")
            ):
                return url
    return None


def _same_origin(url: str, org_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(org_url)
    return (a.scheme.lower(), a.netloc.lower()) == (b.scheme.lower(), b.netloc.lower())


def _rate_limit_wait(headers: dict[str, str]) -> float:
    """Seconds until X-Rate-Limit-Reset when the org says the budget is (nearly) used."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        remaining = int(lowered.get("x-rate-limit-remaining", ""))
        reset = float(lowered.get("x-rate-limit-reset", ""))
    except ValueError:
        return 0.0
    if remaining > LOW_REMAINING:
        return 0.0
    return max(0.0, min(reset - time.time(), 3600.0)) + 1.0


def lag_seconds(source: Source, now: datetime | None = None) -> float | None:
    """See Source.lag_seconds (kept there so that /metrics needs only the model)."""
    return source.lag_seconds(now)
