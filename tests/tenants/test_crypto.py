from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tenants import crypto


def test_encrypt_round_trip_and_ciphertext_hides_plaintext():
    ciphertext = crypto.encrypt("MTIz.bot-token.secret")
    assert "bot-token" not in ciphertext
    assert crypto.decrypt(ciphertext) == "MTIz.bot-token.secret"


def test_key_rotation_decrypts_old_values_and_reencrypts_with_newest(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FERNET_KEYS = [old_key]
    old_ciphertext = crypto.encrypt("stock-item-123")
    settings.FERNET_KEYS = [new_key, old_key]
    assert crypto.decrypt(old_ciphertext) == "stock-item-123"
    rotated = crypto.rotate(old_ciphertext)
    settings.FERNET_KEYS = [new_key]
    assert crypto.decrypt(rotated) == "stock-item-123"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old_ciphertext)


def test_garbage_ciphertext_is_a_clear_error():
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not-a-fernet-token")
