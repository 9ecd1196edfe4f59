"""Encryption at rest for secrets (bot tokens, provider credentials, stock contents).

MultiFernet with FERNET_KEYS, newest first: new values are encrypted with the first key, any key
decrypts, and `rotate` re-encrypts an old value under the newest key.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(ValueError):
    """The ciphertext was made with a key that is no longer in FERNET_KEYS, or is corrupt."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FERNET_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _current().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError("cannot decrypt: unknown key or corrupt value") from None


def rotate(ciphertext: str) -> str:
    return _current().rotate(ciphertext.encode()).decode()
