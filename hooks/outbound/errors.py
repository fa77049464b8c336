"""Short, human sentences for what went wrong on the wire (stored on attempts, shown to admins)."""

from __future__ import annotations

import socket
import ssl
from http.client import RemoteDisconnected

from urllib3.exceptions import (
    ConnectTimeoutError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

# Error sentences callers may match on (hooks.eventhooks.challenge does).
TIMED_OUT = "Connection timed out"
REFUSED = "Connection refused"
CLOSED = "Connection closed without a response"
TLS_FAILED = "TLS handshake failed"


def describe_failure(exc: BaseException) -> str:
    """Map a low-level exception to a short sentence (a timeout is just TIMED_OUT)."""
    chain = _causes(exc)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return REFUSED
    # urllib3 makes NewConnectionError a subclass of ConnectTimeoutError: exclude it.
    if any(
        isinstance(e, ReadTimeoutError | TimeoutError)
        or (isinstance(e, ConnectTimeoutError) and not isinstance(e, NewConnectionError))
        for e in chain
    ):
        return TIMED_OUT
    for e in chain:
        if isinstance(e, SSLError | ssl.SSLError | ssl.CertificateError):
            return f"{TLS_FAILED}: {_ssl_reason(e)}"
    if any(
        isinstance(e, RemoteDisconnected | ConnectionResetError | BrokenPipeError) for e in chain
    ):
        return CLOSED
    if isinstance(exc, NewConnectionError):
        reason = next((e for e in chain if isinstance(e, OSError) and e.strerror), None)
        return f"Could not connect: {reason.strerror if reason else exc}"
    if isinstance(exc, ProtocolError):
        return CLOSED if "without response" in str(exc) else f"Invalid response: {exc}"
    if isinstance(exc, socket.gaierror):
        return f"Could not resolve host: {exc.strerror}"
    return f"Request failed: {exc}"


def _causes(exc: BaseException) -> list[BaseException]:
    """Return `exc` and the exceptions it wraps (urllib3 nests them in args and __cause__)."""
    seen: list[BaseException] = []
    pending = [exc]
    while pending and len(seen) < 10:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        pending.extend(a for a in current.args if isinstance(a, BaseException))
        for linked in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return seen


def _ssl_reason(exc: BaseException) -> str:
    inner = exc
    while isinstance(inner, SSLError) and inner.args and isinstance(inner.args[0], Exception):
        inner = inner.args[0]
    reason = getattr(inner, "verify_message", None) or getattr(inner, "reason", None)
    return str(reason or inner).strip() or type(inner).__name__
