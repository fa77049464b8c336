"""What an outbound header may contain: one rule for input validation and the transport.

RFC 9110 allows visible ASCII, spaces and tabs in a field value (plus obsolete Latin-1
"obs-text", which receivers read inconsistently and which we therefore refuse). Anything
else either cannot be encoded by http.client (a euro sign) or is a control character that
receivers and proxies treat unpredictably.
"""

from __future__ import annotations

import re

# Bounds on what a hook adds to every request. Common servers refuse a request whose header
# section passes 8-16 KiB (nginx, Node.js, load balancers); our own headers, the secret and
# these stay well below that, and a hook cannot turn each delivery into a bulk upload.
MAX_CUSTOM_HEADERS = 20
MAX_NAME_LENGTH = 100
MAX_VALUE_LENGTH = 1024
MAX_CUSTOM_HEADER_BYTES = 4096  # every custom "name: value\r\n" together
MAX_SECRET_LENGTH = 4096  # the auth header value: room for a long bearer token

# RFC 9110 token characters: what a header name may contain.
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Visible ASCII (0x21-0x7E), space and horizontal tab.
_VALUE = re.compile(r"[\x21-\x7e \t]*")
_LINE_BREAKS = ("\r", "\n", "\0")


def is_valid_name(name: object) -> bool:
    """Return True when `name` is a non-empty RFC 9110 token (fullmatch: no trailing \\n)."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def too_long(text: str, limit: int) -> str:
    """Return the input-validation sentence when `text` passes `limit`, else ''."""
    return f"Must be at most {limit} characters" if len(text) > limit else ""


def wire_size(headers: list[dict[str, str]]) -> int:
    """Return the bytes these headers take in a request: 'name: value\\r\\n' each."""
    return sum(len(h["key"]) + len(h["value"]) + 4 for h in headers)


def value_problem(name: str, value: str) -> str:
    """Return why `value` cannot be sent as header `name` ('' when it can); lengths aside."""
    if any(ch in value for ch in _LINE_BREAKS):
        return "Must not contain line breaks"
    if _VALUE.fullmatch(value) is None:
        bad = next(ch for ch in value if _VALUE.fullmatch(ch) is None)
        return (
            f"The value of {name} may only contain printable ASCII characters, spaces and "
            f"tabs, not U+{ord(bad):04X}"
        )
    return ""


def header_problem(name: object, value: object) -> str:
    """Return a sentence when a header cannot be sent as is (the transport's check), else ''."""
    if not is_valid_name(name):
        return f"Invalid header name {name!r}"
    problem = value_problem(str(name), str(value))
    return f"Invalid header {name}: {problem}" if problem else ""
