"""What every request to one hook carries: its URL, headers, auth and signature.

Worked out when a worker task starts and again every 0.5 s while it sends
(hooks.delivery), not per request: the auth value and the signing secrets are
encrypted at rest, and each read is a Fernet decryption.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from hooks.lib import encryption
from hooks.models import Delivery, EventHook
from hooks.outbound import payloads, signing, wire
from hooks.outbound.redaction import redact_headers


def endpoint_headers(hook: EventHook) -> dict[str, str]:
    """The hook's own headers sent with every request: auth header, then custom headers."""
    headers = {}
    if hook.auth_key and hook.auth_value:
        headers[hook.auth_key] = hook.auth_value
    for header in hook.headers:
        headers[header["key"]] = header["value"]
    return headers


def hook_signing_secrets(hook: EventHook) -> list[str]:
    """Return the secrets that sign deliveries now: the current one, plus the old one in grace."""
    secrets = [hook.signing_secret]
    expires = hook.previous_signing_secret_expires_at
    if hook.previous_signing_secret_encrypted and expires and expires > timezone.now():
        secrets.append(encryption.decrypt(hook.previous_signing_secret_encrypted))
    return [s for s in secrets if s]


@dataclass(frozen=True)
class Endpoint:
    hook: EventHook
    headers: dict[str, str]  # Okta's, then the hook's auth and custom headers
    secrets: tuple[str, ...]  # the signing secrets in force (two during a rotation's grace)

    @classmethod
    def of(cls, hook: EventHook) -> Endpoint:
        headers = payloads.base_headers()
        headers.update(endpoint_headers(hook))
        return cls(
            hook=hook,
            headers=headers,
            secrets=tuple(hook_signing_secrets(hook)),
        )

    @property
    def url(self) -> str:
        return self.hook.uri

    def request_headers(self, delivery: Delivery, body: bytes) -> dict[str, str]:
        """Every header of one request: the endpoint's, the signature of `body`, and those
        the transport adds (Host, Content-Length, ...), so that what is stored is what is sent."""
        headers = dict(self.headers)
        headers.update(self._signature(delivery, body))
        return wire.wire_headers("POST", url=self.url, headers=headers, body=body)

    def stored_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """`headers` (from request_headers) as the delivery log keeps them: secrets masked."""
        return redact_headers(headers, hook=self.hook)

    def _signature(self, delivery: Delivery, body: bytes) -> dict[str, str]:
        if not self.secrets:
            return {}
        return signing.signature_headers(
            secrets=list(self.secrets), msg_id=str(delivery.envelope_id), body=body
        )
