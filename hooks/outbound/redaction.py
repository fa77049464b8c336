"""Keeping secrets out of stored request headers and logs."""

from __future__ import annotations

REDACTED = "[REDACTED]"


def redact_headers(headers: dict[str, str], *, hook=None, extra_secrets=()) -> dict[str, str]:
    """Return a copy of `headers` with the hook's auth header and any known secret masked."""
    secret_key = hook.auth_key.lower() if hook is not None and hook.auth_key else None
    secrets = [s for s in extra_secrets if s]
    redacted = {}
    for key, value in headers.items():
        if key.lower() == secret_key or any(s in value for s in secrets):
            redacted[key] = REDACTED
        else:
            redacted[key] = value
    return redacted
