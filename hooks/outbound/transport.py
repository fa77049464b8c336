"""The only outbound HTTP in the product: bounded, SSRF-guarded requests that never raise."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import TYPE_CHECKING, Any

import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    HTTPError,
)

from hooks.outbound import deadline as request_deadline
from hooks.outbound import ssrf
from hooks.outbound.errors import CLOSED, TIMED_OUT, describe_failure
from hooks.outbound.header_rules import header_problem
from hooks.outbound.wire import parse_retry_after, wire_headers

logger = logging.getLogger("hooks.outbound.transport")


# After the excerpt, read at most this much more to leave a keep-alive connection reusable;
# a longer body is cut off by closing the connection instead.
_DRAIN_LIMIT = 16 * 1024
_MAX_POOLS = 256

_local = threading.local()
_pools: OrderedDict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = OrderedDict()
_pools_lock = threading.Lock()


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one HTTP request: a response, or the reason there was none."""

    status_code: int | None
    response_headers: dict[str, str]
    response_excerpt: str
    duration_ms: float
    error: str
    retry_after: float | None
    blocked: bool = False
    body_truncated: bool = False
    # Every header handed to the connection, as it went on the wire (urllib3 adds none:
    # see wire_headers); empty when the request was refused before anything was sent.
    request_headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return True for a 2xx response."""
        return self.status_code is not None and 200 <= self.status_code < 300


def send(
    *, url: str, body: bytes, headers: dict[str, str], timeout: float | None = None
) -> DeliveryResult:
    """POST `body` to `url`; return the outcome, never raising for network or HTTP failures."""
    return _request("POST", url=url, body=body, headers=headers, timeout=timeout)


def get(
    *,
    url: str,
    headers: dict[str, str],
    timeout: float | None = None,
    max_body: int | None = None,
) -> DeliveryResult:
    """GET `url` under the same rules as send() (the verification challenge, source readers).

    `max_body` reads up to that many bytes of the body into `response_excerpt` instead of
    the delivery excerpt (HOOKS_RESPONSE_EXCERPT_BYTES): a System Log page is the answer
    itself, not a note about one. A longer body sets `body_truncated`.
    """
    return _request("GET", url=url, body=None, headers=headers, timeout=timeout, max_body=max_body)


def close_pools() -> None:
    """Close every cached connection pool (tests, and processes that change CA settings)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


def _request(
    method: str,
    *,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float | None,
    max_body: int | None = None,
) -> DeliveryResult:
    started = time.perf_counter()
    try:
        return _guarded_request(method, url, body, headers, timeout, started, max_body)
    except Exception as exc:
        # Callers (a worker mid-claim, a verify or preview request) must get an answer, not
        # a crash: an unforeseen failure is one more failed attempt, logged for us to fix.
        logger.exception("Outbound %s to %s failed unexpectedly", method, url)
        elapsed = (time.perf_counter() - started) * 1000
        error = f"Request failed: {type(exc).__name__}: {exc}"
        return DeliveryResult(None, {}, "", elapsed, error, None)


def _guarded_request(
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float | None,
    started: float,
    max_body: int | None = None,
) -> DeliveryResult:
    if timeout is None:
        timeout = float(settings.HOOKS_DELIVERY_TIMEOUT)

    def failure(error: str, *, blocked: bool = False, sent: dict | None = None) -> DeliveryResult:
        elapsed = (time.perf_counter() - started) * 1000
        return DeliveryResult(
            None, {}, "", elapsed, error, None, blocked=blocked, request_headers=sent or {}
        )

    try:
        # The name lookup is part of the exchange: it gets the whole deadline, no more.
        destination = ssrf.resolve_destination(url, timeout=timeout)
    except ssrf.UnresolvableHost as exc:
        return failure(str(exc))
    except ssrf.DestinationBlocked as exc:
        return failure(str(exc), blocked=True)
    bad_header = next(filter(None, (header_problem(k, v) for k, v in headers.items())), "")
    if bad_header:
        return failure(bad_header)

    request_headers = wire_headers(method, url=url, headers=headers, body=body)
    # The checked destination has the last word on the name presented (the same value
    # whenever the URL parses the same way, which wire_headers' callers rely on).
    request_headers["Host"] = destination.host_header
    pool = _pool_for(destination)
    deadline = started + timeout
    timed_out = f"{TIMED_OUT} after {timeout:g} s"
    # Socket timeouts bound each read; the guard bounds the whole exchange
    # (hooks.outbound.deadline).
    guard = request_deadline.arm(deadline)
    _local.deadline = guard
    try:
        response, error = _open(method, pool, destination, body, request_headers, deadline)
        if response is None:
            error = timed_out if guard.finish() or error == TIMED_OUT else error
            return failure(error, sent=request_headers)
        limit = int(settings.HOOKS_RESPONSE_EXCERPT_BYTES) if max_body is None else max_body
        # One byte more than the limit tells a body of exactly `limit` from a longer one.
        raw, cut_short = _read_excerpt(response, deadline, guard, limit + 1)
        truncated = len(raw) > limit
        excerpt = raw[:limit].decode("utf-8", errors="replace")
        if guard.finish():
            # The watchdog shut the socket down: never hand this connection back for reuse.
            response.close()
        response.release_conn()
        if cut_short:
            return failure(timed_out, sent=request_headers)
    finally:
        guard.finish()
        _local.deadline = None
    response_headers = {name: response.headers[name] for name in response.headers}
    return DeliveryResult(
        status_code=response.status,
        response_headers=response_headers,
        response_excerpt=excerpt,
        duration_ms=(time.perf_counter() - started) * 1000,
        error="",
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        request_headers=request_headers,
        body_truncated=truncated,
    )


def _open(
    method: str,
    pool: urllib3.HTTPConnectionPool,
    destination: ssrf.Destination,
    body: bytes | None,
    headers: dict[str, str],
    deadline: float,
) -> tuple[urllib3.BaseHTTPResponse | None, str]:
    """Send the request and read the response head; return (response, '') or (None, error)."""
    attempt = 0
    while True:
        attempt += 1
        _local.reused = False
        try:
            response = pool.urlopen(
                method,
                destination.path_and_query,
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                timeout=urllib3.Timeout(total=max(deadline - time.perf_counter(), 0.001)),
                preload_content=False,
                release_conn=False,
            )
        except (HTTPError, HTTPException, OSError) as exc:
            error = describe_failure(exc)
            # A server may close an idle keep-alive connection just as it is reused; the
            # request then usually never reached the application, so, like browsers, try
            # once more (receivers de-duplicate on eventId for the rare double delivery).
            stale = error == CLOSED and _local.reused and time.perf_counter() < deadline
            if attempt == 1 and stale:
                continue
            return None, error
        return response, ""


def _pool_for(destination: ssrf.Destination) -> urllib3.HTTPConnectionPool:
    """Return the keep-alive pool for this (scheme, ip, port, hostname), creating it once."""
    key = (destination.scheme, destination.ip, destination.port, destination.hostname)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is not None:
            _pools.move_to_end(key)
            return pool
        common: dict[str, Any] = {"maxsize": 10, "block": False, "retries": False}
        if destination.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                destination.ip,
                destination.port,
                server_hostname=destination.hostname,
                assert_hostname=destination.hostname,
                cert_reqs="CERT_REQUIRED",
                ca_certs=_ca_bundle(),
                **common,
            )
            pool.ConnectionCls = _TrackedHTTPSConnection
        else:
            pool = urllib3.HTTPConnectionPool(destination.ip, destination.port, **common)
            pool.ConnectionCls = _TrackedHTTPConnection
        _pools[key] = pool
        if len(_pools) > _MAX_POOLS:
            _pools.popitem(last=False)[1].close()
        return pool


if TYPE_CHECKING:  # what the mixin is mixed into, for type checkers only
    _Connection = HTTPConnection
else:
    _Connection = object


class _ReuseTracking(_Connection):
    """Record, per thread, whether a request goes out on a socket that served one before."""

    _sent_on_socket = 0

    def connect(self) -> None:
        _attach_to_deadline(self)
        super().connect()
        self._sent_on_socket = 0

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach_to_deadline(self)
        # http:// sockets open lazily inside request(); an open one here that already
        # carried a request is a reused keep-alive connection.
        _local.reused = getattr(self, "sock", None) is not None and self._sent_on_socket > 0
        try:
            super().request(*args, **kwargs)
        finally:
            # Counted after the fact: a lazy connect() inside request() resets the count.
            self._sent_on_socket += 1


def _attach_to_deadline(connection: HTTPConnection) -> None:
    """Let this thread's request deadline cut the socket this connection is about to use."""
    guard = getattr(_local, "deadline", None)
    if guard is not None:
        guard.attach(connection)


class _TrackedHTTPConnection(_ReuseTracking, HTTPConnection):
    pass


class _TrackedHTTPSConnection(_ReuseTracking, HTTPSConnection):
    pass


def _ca_bundle() -> str | None:
    """Return certifi's CA bundle when installed (as requests does), else the system store."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi ships with requests
        return None
    return certifi.where()


def _read_excerpt(
    response: urllib3.BaseHTTPResponse,
    deadline: float,
    guard: request_deadline.RequestDeadline,
    limit: int,
) -> tuple[bytes, bool]:
    """Read at most `limit` bytes (+ a small drain); return (them, cut by the deadline).

    The caller releases the connection. Only the excerpt counts against the deadline: the
    drain merely saves the connection for reuse, so running out of time there closes it.
    """
    data = b""
    try:
        _shrink_read_timeout(response, deadline)
        data = response.read(limit) if limit > 0 else b""
    except (HTTPError, HTTPException, OSError) as exc:
        if describe_failure(exc) == TIMED_OUT:
            response.close()
            return b"", True
        # Otherwise the status line arrived; a body cut short only shortens the excerpt.
    if guard.expired:
        response.close()
        return b"", True
    try:
        if not response.closed:
            _shrink_read_timeout(response, deadline)
            response.read(_DRAIN_LIMIT)
    except (HTTPError, HTTPException, OSError):
        pass
    if not response.closed:
        # Unread data would corrupt the next request on this connection: drop it instead.
        response.close()
    return data, False


def _shrink_read_timeout(response: urllib3.BaseHTTPResponse, deadline: float) -> None:
    """Make body reads respect the overall deadline, not a fresh per-read timeout."""
    connection = getattr(response, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        sock.settimeout(remaining)


def _reset_after_fork() -> None:
    """Give a forked worker its own pools: sharing the parent's sockets would mix responses."""
    global _pools_lock
    _pools_lock = threading.Lock()
    _pools.clear()


os.register_at_fork(after_in_child=_reset_after_fork)
