"""A stand-in for an Okta org's System Log (`GET /api/v1/logs`) on 127.0.0.1, for the
source reader's tests: pages with `Link: rel="next"`, canned failures and rate-limit
headers, and a record of every request."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeOkta:
    def __init__(self, events: list[dict] | None = None):
        self.events = list(events or [])
        self.requests: list[dict] = []  # {"path", "query", "headers", "at"}
        self.canned: list[tuple[int, dict, bytes]] = []  # answered first, in order
        self.extra_headers: dict[str, str] = {}
        self.on_request = None  # called with the request number before answering
        self.next_origin: str | None = None  # make next links point elsewhere
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval: shutdown() waits for the loop's next poll (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeOkta:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                fake.requests.append(
                    {
                        "path": parts.path,
                        "query": query,
                        "headers": dict(self.headers),
                        "at": time.monotonic(),
                    }
                )
                if fake.on_request:  # runs in the server's thread: no database here
                    fake.on_request(len(fake.requests))
                if fake.canned:
                    status, headers, body = fake.canned.pop(0)
                    return self._answer(status, headers, body)
                start = int(query.get("after", 0))
                limit = int(query.get("limit", 100))
                page = fake.events[start : start + limit]
                origin = fake.next_origin or fake.url
                link = f'<{origin}/api/v1/logs?after={start + len(page)}&limit={limit}>; rel="next"'
                headers = {"Link": link, **fake.extra_headers}
                return self._answer(200, headers, json.dumps(page).encode())

            def _answer(self, status, headers, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The reader may stop reading (a page over its size bound).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        return Handler


def okta_event(number: int, event_type: str = "user.lifecycle.create") -> dict:
    return {
        "uuid": f"0f1e2d3c-0000-11ee-8000-{number:012d}",
        "published": f"2026-01-01T00:{number // 60 % 60:02d}:{number % 60:02d}.000Z",
        "eventType": event_type,
        "version": "0",
        "severity": "INFO",
        "displayMessage": "Add user to Okta user directory",
        "actor": {"id": "00u1", "type": "User", "alternateId": "ann@example.com"},
        "outcome": {"result": "SUCCESS", "reason": None},
        "target": [],
    }
