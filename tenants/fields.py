from __future__ import annotations

from typing import Any

from django.db import models

from tenants import crypto


class EncryptedTextField(models.TextField):
    """A text column stored as Fernet ciphertext; Python code only ever sees plaintext.

    Not searchable or sortable by content, by design: lookups on secrets should not exist.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return None if value is None else crypto.encrypt(value)
