"""What goes on the wire besides the body: the complete header set of a request (so the
delivery log can store exactly what is sent) and the Retry-After a receiver answers."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

from django.conf import settings

from hooks.outbound import ssrf

# Framing and routing headers are owned by the transport: a caller's value would break
# the message or send it to another virtual host than the one checked.
RESERVED_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}
# Methods for which urllib3 sends no `Content-Length: 0` when there is no body.
_NO_BODY_METHODS = {"GET", "HEAD", "DELETE", "TRACE", "OPTIONS", "CONNECT"}


def wire_headers(
    method: str, *, url: str, headers: dict[str, str], body: bytes | None
) -> dict[str, str]:
    """Every header a request to `url` carries, in the order sent.

    The caller's headers (less the framing and routing ones, which the transport owns),
    then Host, User-Agent, Accept-Encoding and Content-Length as urllib3 and http.client
    would add them. The request goes out with exactly this set (they add nothing once
    these are present), so a caller can store it before sending: the delivery log shows
    what the receiver got, not a subset. Calling it again on its own result changes
    nothing.
    """
    host = _host_header(url)
    result = {"Host": host} if host else {}
    result.update((k, v) for k, v in headers.items() if k.lower() not in RESERVED_HEADERS)
    names = {k.lower() for k in result}
    if "user-agent" not in names:
        result["User-Agent"] = settings.HOOKS_USER_AGENT
    if "accept-encoding" not in names:
        result["Accept-Encoding"] = "identity"  # http.client's default: no compression
    if body is not None:
        result["Content-Length"] = str(len(body))
    elif method.upper() not in _NO_BODY_METHODS:
        result["Content-Length"] = "0"
    return result


def _host_header(url: str) -> str:
    """The Host header the SSRF guard will present for `url` ('' when it refuses the URL),
    parsed with the guard's own rules but without resolving the name."""
    try:
        parts = ssrf._split(url)
        scheme = parts.scheme.lower()
        hostname, port = ssrf._hostname(parts), ssrf._port(parts, scheme)
    except (ssrf.DestinationBlocked, ValueError):
        return ""
    return ssrf.Destination(scheme, hostname, port, ip="", path_and_query="").host_header


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return seconds from a Retry-After value (delta-seconds or HTTP-date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
