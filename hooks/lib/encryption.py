"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with keys derived from SECRET_KEY.

Keys come from `SECRET_KEY` and Django's own `SECRET_KEY_FALLBACKS`, so rotating the
secret key the Django way keeps old ciphertexts readable until they are re-encrypted.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"event-hooks-console secrets at rest v1"


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


def _derive(secret_key: str) -> Fernet:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())))


@lru_cache(maxsize=4)
def _cipher(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(secret_key), *(_derive(k) for k in fallbacks)])


def _current_cipher() -> MultiFernet:
    return _cipher(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def encrypt(plaintext: str) -> str:
    """Return the ciphertext of `plaintext` as ASCII text ('' stays '')."""
    if not plaintext:
        return ""
    return _current_cipher().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Return the plaintext of a value made by `encrypt` ('' stays '')."""
    if not ciphertext:
        return ""
    try:
        return _current_cipher().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored secret cannot be decrypted: was DJANGO_SECRET_KEY changed without "
            "keeping the old one in SECRET_KEY_FALLBACKS?"
        ) from None
