"""What an outbound header may contain: one rule for input validation and the transport.

RFC 9110 allows visible ASCII, spaces and tabs in a field value (plus obsolete Latin-1
"obs-text", which receivers read inconsistently and which we therefore refuse). Anything
else either cannot be encoded by http.client (a euro sign) or is a control character that
receivers and proxies treat unpredictably.
"""

from __future__ import annotations

import re

# RFC 9110 token characters: what a header name may contain.
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Visible ASCII (0x21-0x7E), space and horizontal tab.
_VALUE = re.compile(r"[\x21-\x7e \t]*")
_LINE_BREAKS = ("\r", "\n", "\0")


def is_valid_name(name: object) -> bool:
    """Return True when `name` is a non-empty RFC 9110 token (fullmatch: no trailing \\n)."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def value_problem(name: str, value: str) -> str:
    """Return why `value` cannot be sent as header `name` ('' when it can)."""
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
