"""Run a local receiver that answers verification and prints every event it gets."""

from __future__ import annotations

import ipaddress
import signal
import threading
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hooks.outbound import signing
from hooks.receiver.receiver import ReceivedRequest, Receiver


class Command(BaseCommand):
    # The receiver touches no models or URLs; checks would only slow a quick manual start.
    requires_system_checks: list[str] = []
    help = (
        "Run a localhost-only event hook receiver: it answers the verification challenge, "
        "checks the auth header and signatures, and prints one line per event."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set by SIGTERM/Ctrl-C, or by a test that runs the command in a thread.
        self.stop_event = threading.Event()
        self.ready = threading.Event()
        self.receiver: Receiver | None = None
        self._write_lock = threading.Lock()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765, help="0 picks a free port.")
        parser.add_argument("--host", default="127.0.0.1", help="A loopback address.")
        parser.add_argument("--secret", help="whsec_... secret to check signatures with.")
        parser.add_argument("--auth-header", help="Header the hook sends its secret in.")
        parser.add_argument("--auth-value", help="The value expected in --auth-header.")
        parser.add_argument("--status", type=int, default=200, help="Status for deliveries.")

    def handle(self, *args: Any, **options: Any) -> None:
        host, secret = options["host"].strip("[]"), options["secret"]
        _require_loopback(host)
        if secret:
            try:
                signing.sign(secret=secret, msg_id="check", timestamp=0, body=b"")
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        auth = None
        if options["auth_header"] or options["auth_value"]:
            if not (options["auth_header"] and options["auth_value"]):
                raise CommandError("Give both --auth-header and --auth-value.")
            auth = (options["auth_header"], options["auth_value"])
        receiver = Receiver(
            host=host,
            port=options["port"],
            secret=secret,
            auth=auth,
            on_event=self.print_request,
            history=1000,  # Bounded memory for long manual sessions.
        )
        receiver.set_behaviour(status=options["status"])
        try:
            receiver.start()
        except OSError as exc:
            raise CommandError(f"Could not listen on {host}:{options['port']}: {exc}") from None
        self.receiver = receiver
        restore = self._install_signal_handlers()
        try:
            self._print_banner(receiver, auth)
            self.ready.set()
            while not self.stop_event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            receiver.stop()
            restore()
            self.write("Receiver stopped.")

    def print_request(self, request: ReceivedRequest) -> None:
        """Print one line per event (or per verification / non-event request)."""
        when = datetime.fromtimestamp(request.received_at).strftime("%H:%M:%S.%f")[:-3]
        checks = self._checks(request)
        if request.method == "GET":
            answered = self.receiver.behaviour.verification if self.receiver else "echo"
            self.write(f"{when}  verification challenge ({answered}){checks}")
            return
        events = request.events
        if not events:
            self.write(f"{when}  {request.method} {request.path} without events{checks}")
        for event in events:
            event_type = event.get("eventType", "?")
            self.write(f"{when}  {event_type}  {event.get('uuid', '?')}{checks}")

    def write(self, line: str) -> None:
        """Write a line to stdout; handler threads call this concurrently."""
        with self._write_lock:
            self.stdout.write(line)
            # Piped output (tee, a log file, a test) should see each line as it happens.
            self.stdout.flush()

    def _checks(self, request: ReceivedRequest) -> str:
        parts = []
        if request.signature_valid is not None:
            parts.append("signature " + ("OK" if request.signature_valid else "BAD"))
        if request.auth_valid is not None:
            parts.append("auth " + ("OK" if request.auth_valid else "BAD"))
        return "  " + "  ".join(parts) if parts else ""

    def _print_banner(self, receiver: Receiver, auth: tuple[str, str] | None) -> None:
        self.write(self.style.SUCCESS(f"Receiving event hooks at {receiver.url}"))
        self.write(
            f"Point a hook at it: set channel.config.uri to {receiver.url} "
            "(http:// works while HOOKS_ALLOWED_NETWORKS includes this address), "
            "then verify and activate the hook."
        )
        if auth:
            self.write(f'Set authScheme to {{"type": "HEADER", "key": "{auth[0]}", "value": …}}.')
        if receiver.secret:
            self.write("Signatures are checked with the given secret.")
        self.write("Press Ctrl-C to stop.")

    def _install_signal_handlers(self) -> Any:
        """Make SIGTERM stop the loop; only the main thread may install handlers."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: self.stop_event.set())
        return lambda: signal.signal(signal.SIGTERM, previous)


def _require_loopback(host: str) -> None:
    """Refuse non-loopback hosts: this receiver is for local end-to-end checks only."""
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise CommandError(f"--host must be a loopback address such as 127.0.0.1, not {host}.")
