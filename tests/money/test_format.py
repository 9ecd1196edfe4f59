from __future__ import annotations

import pytest
from django.utils import translation

from money import format_money, to_major


@pytest.mark.parametrize(("cents", "currency", "locale", "text"), [
    (123456, "BRL", "pt-br", "R$ 1.234,56"),
    (123456, "BRL", "en", "R$1,234.56"),
    (-990, "BRL", "pt-br", "-R$ 9,90"),
    (1000, "USD", "pt-br", "US$ 10,00"),
    (1000, "USD", "en", "$10.00"),
    (5, "EUR", "en", "€0.05"),
])
def test_formats_per_currency_and_locale(cents, currency, locale, text):
    assert format_money(cents, currency, locale=locale) == text


def test_follows_the_active_language():
    with translation.override("pt-br"):
        assert format_money(2500) == "R$ 25,00"
    with translation.override("en"):
        assert format_money(2500) == "R$25.00"


def test_minor_units_become_major_exactly():
    assert str(to_major(1990)) == "19.90"
    assert str(to_major(-1)) == "-0.01"
