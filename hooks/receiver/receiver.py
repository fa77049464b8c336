"""A local event hook receiver on 127.0.0.1: answers verification, records and checks deliveries.

The HTTP server, handler and body framing live in hooks/receiver/http.py.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from hooks.outbound import signing
from hooks.receiver.http import (
    MAX_BODY_BYTES,
    BadBody,
    Headers,
    ReceiverHandler,
    ReceiverServer,
    ReceiverServer6,
    read_body,
    respond,
)

__all__ = [
    "CHALLENGE_HEADER",
    "HANG_SECONDS",
    "MAX_BODY_BYTES",
    "VERIFICATION_MODES",
    "Behaviour",
    "Headers",
    "ReceivedRequest",
    "Receiver",
    "StatusSpec",
]

logger = logging.getLogger(__name__)

CHALLENGE_HEADER = "X-Okta-Verification-Challenge"
VERIFICATION_MODES = ("echo", "wrong", "not_json", "hang")  # plus "status:<code>"
# How long a "hang" answer holds the connection when the receiver is not stopped first.
HANG_SECONDS = 60.0

StatusSpec = int | Callable[["ReceivedRequest"], int] | list[int]


@dataclass
class ReceivedRequest:
    """One request as the receiver saw it, with its signature and auth checks."""

    method: str
    path: str
    headers: Headers
    body: bytes
    json: Any | None
    received_at: float
    signature_valid: bool | None
    auth_valid: bool | None

    def header(self, name: str, default: str | None = None) -> str | None:
        """Return a header value by case-insensitive name."""
        return self.headers.get(name, default)

    @property
    def events(self) -> list[dict]:
        """Return the data.events[] elements of a delivery body ([] for anything else)."""
        data = self.json.get("data") if isinstance(self.json, dict) else None
        events = data.get("events") if isinstance(data, dict) else None
        return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


@dataclass
class Behaviour:
    """How the receiver answers; replace fields with Receiver.set_behaviour()."""

    # An int, a callable(request) -> int, or a list used one per POST, then its last value.
    status: StatusSpec = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    verification: str = "echo"
    close_connection_without_response: bool = False


class Receiver:
    """A threaded HTTP/1.1 keep-alive receiver for local event hook deliveries."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        secret: str | None = None,
        auth: tuple[str, str] | None = None,
        on_event: Callable[[ReceivedRequest], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        history: int | None = None,
        log_requests: bool = False,
    ) -> None:
        self.host = host
        self.secret = secret
        self.auth = auth
        # Called in the connection's thread for every request (GET or POST), before answering.
        self.on_event = on_event
        self.ssl_context = ssl_context
        self.log_requests = log_requests
        self.behaviour = Behaviour()
        self._port = port
        self._server: ReceiverServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        # `history` bounds memory for long runs (the command); tests keep everything.
        self._posts: deque[ReceivedRequest] = deque(maxlen=history)
        self._gets: deque[ReceivedRequest] = deque(maxlen=history)
        self._events: deque[dict] = deque(maxlen=history)
        self._post_count = 0
        self._event_count = 0
        self._status_list: list[int] | None = None
        self._status_index = 0
        self._connections: set[socket.socket] = set()

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> Receiver:
        """Bind and serve in a daemon thread; return self."""
        if self._server is not None:
            return self
        server_class = ReceiverServer6 if ":" in self.host else ReceiverServer
        server = server_class((self.host, self._port), ReceiverHandler)
        server.receiver = self
        self._port = int(server.server_address[1])
        if self.ssl_context is not None:
            # The handshake then runs in the connection's thread, not in the accept loop.
            server.socket = self.ssl_context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = f"hooks-receiver-{self.port}"
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hanging answers and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """Return the port (the bound one once started, also after stop())."""
        return self._port

    @property
    def url(self) -> str:
        """Return the hook URL, e.g. http://127.0.0.1:54321/hook."""
        scheme = "https" if self.ssl_context else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/hook"

    # --- programming responses ------------------------------------------------------
    def set_behaviour(self, **changes: Any) -> None:
        """Change how the receiver answers, e.g. set_behaviour(status=[500, 200], delay=0.5)."""
        names = {f.name for f in fields(Behaviour)}
        unknown = set(changes) - names
        if unknown:
            raise TypeError(f"Unknown behaviour fields: {', '.join(sorted(unknown))}")
        mode = changes.get("verification", self.behaviour.verification)
        if mode not in VERIFICATION_MODES and not mode.startswith("status:"):
            raise ValueError(f"Unknown verification mode {mode!r}")
        with self._lock:
            self.behaviour = replace(self.behaviour, **changes)
            self._status_list, self._status_index = None, 0

    # --- what arrived -----------------------------------------------------------------
    @property
    def requests(self) -> list[ReceivedRequest]:
        """Return the POSTs received so far (a snapshot)."""
        with self._lock:
            return list(self._posts)

    @property
    def verifications(self) -> list[ReceivedRequest]:
        """Return the GETs (verification challenges) received so far (a snapshot)."""
        with self._lock:
            return list(self._gets)

    def events(self) -> list[dict]:
        """Return every data.events[] element received, in arrival order."""
        with self._lock:
            return list(self._events)

    def wait_for_events(self, n: int, timeout: float = 5.0) -> list[dict]:
        """Block until at least `n` events arrived; raise TimeoutError after `timeout` s."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._event_count >= n, timeout):
                raise TimeoutError(
                    f"Received {self._event_count} of {n} events within {timeout:g} s"
                )
            return list(self._events)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Block until at least `n` POSTs arrived; raise TimeoutError after `timeout` s."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._post_count >= n, timeout):
                raise TimeoutError(
                    f"Received {self._post_count} of {n} requests within {timeout:g} s"
                )
            return list(self._posts)

    def clear(self) -> None:
        """Forget everything received so far."""
        with self._lock:
            self._posts.clear()
            self._gets.clear()
            self._events.clear()
            self._post_count = self._event_count = 0

    # --- request handling (runs in connection threads; http.RequestOwner) ----------------
    def track_connection(self, conn: socket.socket, *, add: bool) -> None:
        """Note a connection opening (add=True) or closing, so stop() can close it."""
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def handle_request(self, handler: ReceiverHandler) -> None:
        """Read one request from `handler`, record it and answer as `behaviour` says."""
        try:
            body = read_body(handler)
        except BadBody as exc:
            # The rest of the body is unread, so the connection cannot be reused.
            handler.close_connection = True
            handler.send_error(exc.status)
            return
        request = self._record(handler, body)
        if self.on_event is not None:
            try:
                self.on_event(request)
            except Exception:
                logger.exception("Receiver on_event callback failed")
        behaviour = self.behaviour
        if behaviour.delay > 0:
            self._stopping.wait(behaviour.delay)
        if behaviour.close_connection_without_response:
            handler.close_connection = True
            return
        if request.method == "GET":
            self._answer_verification(handler, request, behaviour)
        elif request.method == "POST":
            status = self._next_status(behaviour, request)
            respond(handler, status, behaviour.body, "application/json", behaviour.headers)
        else:
            respond(handler, 405, b"", "", {"Allow": "GET, POST", **behaviour.headers})

    def _record(self, handler: ReceiverHandler, body: bytes) -> ReceivedRequest:
        headers = Headers(handler.headers.items())
        parsed = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        method = handler.command
        signature_valid = None
        if self.secret and method == "POST":
            signature_valid = signing.verify(secret=self.secret, headers=headers, body=body)
        auth_valid = None
        if self.auth is not None:
            sent = headers.get(self.auth[0], "")
            auth_valid = hmac.compare_digest(sent.encode(), self.auth[1].encode())
        request = ReceivedRequest(
            method=method,
            path=handler.path,
            headers=headers,
            body=body,
            json=parsed,
            received_at=time.time(),
            signature_valid=signature_valid,
            auth_valid=auth_valid,
        )
        with self._arrived:
            if method == "GET":
                self._gets.append(request)
            elif method == "POST":
                events = request.events
                self._posts.append(request)
                self._events.extend(events)
                self._post_count += 1
                self._event_count += len(events)
            self._arrived.notify_all()
        return request

    def _next_status(self, behaviour: Behaviour, request: ReceivedRequest) -> int:
        spec = behaviour.status
        if callable(spec):
            return int(spec(request))
        if isinstance(spec, list):
            with self._lock:
                if self._status_list is not spec:
                    self._status_list, self._status_index = spec, 0
                index = min(self._status_index, len(spec) - 1)
                self._status_index += 1
            return int(spec[index])
        return int(spec)

    def _answer_verification(
        self, handler: ReceiverHandler, request: ReceivedRequest, behaviour: Behaviour
    ) -> None:
        challenge = request.header(CHALLENGE_HEADER)
        mode = behaviour.verification
        extra = behaviour.headers
        if mode == "hang":
            self._stopping.wait(HANG_SECONDS)
            handler.close_connection = True
        elif mode.startswith("status:"):
            body = b'{"error": "verification refused by the test receiver"}'
            respond(handler, int(mode.split(":", 1)[1]), body, "application/json", extra)
        elif challenge is None:
            body = b'{"error": "missing X-Okta-Verification-Challenge header"}'
            respond(handler, 400, body, "application/json", extra)
        elif mode == "not_json":
            respond(handler, 200, b"verified!", "text/plain", extra)
        else:
            value = challenge if mode == "echo" else f"wrong-{challenge}"
            body = json.dumps({"verification": value}).encode()
            respond(handler, 200, body, "application/json", extra)
