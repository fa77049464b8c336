"""A raw HTTP server on 127.0.0.1 that answers one byte at a time (slow-loris receivers)."""

from __future__ import annotations

import socket
import ssl
import threading
import time


class TricklingServer:
    """Read each request, send `head` at once, then `trickle` one byte per `interval`.

    Every loop is bounded by `max_seconds`, so a client that never gives up cannot keep a
    test thread alive; the server stops when the client hangs up.
    """

    def __init__(
        self,
        *,
        head: bytes,
        trickle: bytes,
        interval: float = 0.05,
        max_seconds: float = 8.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.head, self.trickle = head, trickle
        self.ssl_context = ssl_context
        self.interval, self.max_seconds = interval, max_seconds
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def __enter__(self) -> TricklingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(self.max_seconds + 2)
        self._listener.close()

    def _serve(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - started < self.max_seconds:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        started = time.monotonic()
        with conn:
            conn.settimeout(self.max_seconds)
            try:
                if self.ssl_context is not None:
                    conn = self.ssl_context.wrap_socket(conn, server_side=True)
                _read_request(conn)
                self.requests += 1
                conn.sendall(self.head)
                for byte in self.trickle:
                    if self._stop.is_set() or time.monotonic() - started > self.max_seconds:
                        return
                    time.sleep(self.interval)
                    conn.sendall(bytes([byte]))
            except OSError:
                return  # The client gave up: what the tests want.


def _read_request(conn: socket.socket) -> None:
    """Consume one request: its head, then a Content-Length body if there is one."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionResetError("client closed")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionResetError("client closed")
        rest += chunk
