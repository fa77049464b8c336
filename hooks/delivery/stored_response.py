"""What the delivery log keeps of a receiver's answer: sanitized, bounded text.

A receiver controls its status line, headers and body. PostgreSQL refuses a NUL byte in
text and in jsonb, so one NUL in an answer made the attempt's UPDATE fail and left the
delivery SENDING, sent again every lease for ever; and 95 headers of 60 KB each were
stored (5.7 MB an attempt) and rendered whole by the console. Everything stored of an
answer goes through here first.
"""

from __future__ import annotations

import dataclasses
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

# What replaces what cannot be stored: U+FFFD, as UTF-8 decoding with errors="replace".
REPLACEMENT = "\ufffd"
# The key of the entry that says stored headers were cut (not a valid header name,
# so it cannot be mistaken for one the receiver sent).
TRUNCATED_KEY = "[truncated]"


def clean_text(value: str | bytes | None) -> str:
    """`value` as text any database stores: invalid UTF-8 and NUL replaced by U+FFFD."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    elif not _encodes(value):  # lone surrogates (e.g. from surrogateescape decoding)
        value = value.encode("utf-8", errors="replace").decode("utf-8")
    return value.replace("\x00", REPLACEMENT)


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def bounded_headers(headers: dict[str, str]) -> dict[str, str]:
    """Sanitized response headers, at most HOOKS_RESPONSE_HEADERS_MAX of them and
    HOOKS_RESPONSE_HEADERS_MAX_BYTES of names and values together (a value that does
    not fit is cut); when anything was left out, a TRUNCATED_KEY entry says so."""
    most, budget = settings.HOOKS_RESPONSE_HEADERS_MAX, settings.HOOKS_RESPONSE_HEADERS_MAX_BYTES
    kept: dict[str, str] = {}
    cut = False
    for name, value in headers.items():
        name, value = clean_text(name), clean_text(value)
        size = len(name.encode()) + len(value.encode())
        if len(kept) >= most or budget <= len(name.encode()):
            cut = True
            break
        if size > budget:
            room = budget - len(name.encode())
            value = value.encode()[:room].decode("utf-8", errors="ignore")
            size, cut = len(name.encode()) + len(value.encode()), True
        kept[name] = value
        budget -= size
    if cut:
        kept[TRUNCATED_KEY] = (
            f"{len(headers)} headers received; stored at most {most} headers and "
            f"{settings.HOOKS_RESPONSE_HEADERS_MAX_BYTES} bytes"
        )
    return kept


def stored_result(result):
    """A transport.DeliveryResult whose texts are safe to store, log and audit."""
    try:
        return dataclasses.replace(
            result,
            response_headers=bounded_headers(result.response_headers),
            response_excerpt=clean_text(result.response_excerpt),
            error=clean_text(result.error),
        )
    except Exception:  # keep the status: the outcome must still be recorded
        logger.exception("could not sanitize a response; storing its status only")
        return dataclasses.replace(
            result,
            response_headers={},
            response_excerpt="",
            error="The response could not be stored.",
        )
