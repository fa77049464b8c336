"""HTTP plumbing of hooks.receiver: threaded server, request handler, body framing, responses.

The Receiver (hooks/receiver/receiver.py) decides what to answer; this module only moves bytes. The
handler calls back into whatever owns its server through the small RequestOwner interface below,
so this module needs nothing from receiver.py (which builds on it).
"""

from __future__ import annotations

import logging
import re
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

# The public module's logger, as before the split.
logger = logging.getLogger("hooks.receiver")

MAX_BODY_BYTES = 10 * 1024 * 1024


class Headers(dict[str, str]):
    """Request headers as received, with case-insensitive [], get() and `in` (read-only use)."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self._lower = {key.lower(): key for key in self}

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(self._lower.get(name.lower(), name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lower

    def get(self, name: str, default: Any = None) -> Any:
        key = self._lower.get(name.lower())
        return default if key is None else super().__getitem__(key)


class RequestOwner(Protocol):
    """What the handler needs from the object that owns its server (the Receiver)."""

    log_requests: bool

    def track_connection(self, conn: socket.socket, *, add: bool) -> None:
        """Note a connection opening (add=True) or closing, so stop() can close it."""

    def handle_request(self, handler: ReceiverHandler) -> None:
        """Read one request from `handler` and answer it."""


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True
    # Idle keep-alive connections would make server_close() wait for ever.
    block_on_close = False
    receiver: RequestOwner

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up or fail TLS are routine for a test receiver.
        logger.debug("Receiver connection error from %s", client_address, exc_info=True)


class ReceiverServer6(ReceiverServer):
    address_family = socket.AF_INET6


class ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hooks-receiver"
    sys_version = ""
    # Buffer writes so headers and body leave in one segment; no Nagle delay on keep-alive.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: ReceiverServer

    def setup(self) -> None:
        super().setup()
        self.server.receiver.track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.receiver.track_connection(self.connection, add=False)

    def handle_request(self) -> None:
        self.server.receiver.handle_request(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_request

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        if self.server.receiver.log_requests:
            super().log_message(format, *args)


class BadBody(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def read_body(handler: ReceiverHandler) -> bytes:
    """Return the request body; raise BadBody for bad framing (400) or a huge body (413)."""
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        return _read_chunked(handler)
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        raise BadBody(400) from None
    if length < 0:
        raise BadBody(400)
    if length > MAX_BODY_BYTES:
        raise BadBody(413)
    body = handler.rfile.read(length) if length else b""
    if len(body) != length:  # the client hung up mid-body (e.g. a sender killed mid-request)
        raise BadBody(400)
    return body


# RFC 9112 chunk-size: hex digits only (int(x, 16) would also take "-1", "0x1f", "+1",
# "1_0"; a negative size made read(-1) wait for the client to hang up). Sixteen digits
# cover any size; more is junk. A ";extension" may follow.
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n")
_MAX_LINE = 1024
_LINE_END = (b"\r\n", b"\n")


def _read_chunked(handler: ReceiverHandler) -> bytes:
    """Read a chunked body strictly: any framing error, or the client hanging up, is a 400."""
    rfile = handler.rfile
    chunks: list[bytes] = []
    total = 0
    while True:
        match = _CHUNK_SIZE.fullmatch(rfile.readline(_MAX_LINE))
        if match is None:
            raise BadBody(400)  # malformed, longer than _MAX_LINE, or cut off
        size = int(match.group(1), 16)
        if size == 0:
            break
        total += size
        if total > MAX_BODY_BYTES:
            raise BadBody(413)
        data = rfile.read(size)
        if len(data) != size or rfile.readline(3) not in _LINE_END:
            raise BadBody(400)  # the client hung up mid-chunk, or the data overran its size
        chunks.append(data)
    # Trailers (unused by hook senders) up to the empty line that ends the message.
    for _ in range(100):
        line = rfile.readline(_MAX_LINE)
        if line in _LINE_END:
            return b"".join(chunks)
        if not line.endswith(b"\n"):
            raise BadBody(400)  # cut off, or a trailer line longer than _MAX_LINE
    raise BadBody(400)


def respond(
    handler: ReceiverHandler, status: int, body: bytes, content_type: str, headers: dict[str, str]
) -> None:
    """Write a complete HTTP/1.1 response with a correct Content-Length."""
    handler.send_response(status)
    # 1xx, 204 and 304 answers carry no body and must not announce one.
    has_body = status >= 200 and status not in (204, 304)
    if has_body and body and content_type:
        handler.send_header("Content-Type", content_type)
    for name, value in headers.items():
        handler.send_header(name, value)
    if has_body:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if has_body and body:
        handler.wfile.write(body)
