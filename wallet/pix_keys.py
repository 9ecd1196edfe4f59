"""PIX key validation by type: CPF and CNPJ (with check digits), email, phone +55, EVP."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

EVP_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PHONE_RE = re.compile(r"^\+55[1-9][0-9]9?[0-9]{8}$")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _check_digit(digits: str, weights: list[int]) -> int:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def cpf_is_valid(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    first = _check_digit(digits[:9], list(range(10, 1, -1)))
    second = _check_digit(digits[:10], list(range(11, 1, -1)))
    return digits[9:] == f"{first}{second}"


def cnpj_is_valid(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 14 or len(set(digits)) == 1:
        return False
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = _check_digit(digits[:12], weights)
    second = _check_digit(digits[:13], [6, *weights])
    return digits[12:] == f"{first}{second}"


def pix_key_normalize(*, key_type: str, value: str) -> str:
    """The key in the form the PIX directory (DICT) stores it, or ValidationError."""
    value = (value or "").strip()
    if key_type == "cpf":
        if not cpf_is_valid(value):
            raise ValidationError(_("This CPF is not valid: check the 11 digits."))
        return _digits(value)
    if key_type == "cnpj":
        if not cnpj_is_valid(value):
            raise ValidationError(_("This CNPJ is not valid: check the 14 digits."))
        return _digits(value)
    if key_type == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(_("Enter a valid email address.")) from None
        if len(value) > 77:
            raise ValidationError(_("A PIX email key has at most 77 characters."))
        return value.lower()
    if key_type == "phone":
        phone = "+" + _digits(value) if value.startswith("+") else "+55" + _digits(value)
        if not PHONE_RE.match(phone):
            raise ValidationError(_("Enter a Brazilian phone number with area code, "
                                    "like +55 11 91234-5678."))
        return phone
    if key_type == "evp":
        if not EVP_RE.match(value.lower()):
            raise ValidationError(_("A random key looks like "
                                    "123e4567-e89b-42d3-a456-426614174000."))
        return value.lower()
    raise ValidationError(_("Choose the type of PIX key."))
