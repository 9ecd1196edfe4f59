"""The one money formatter (DESIGN.md, Contracts): integer cents + currency + locale -> text.

Every amount a person reads (portal, admin, emails, payment page, the Bot API's display strings)
goes through `format_money`. Nothing else divides by 100 for display. It sits at the bottom of
the layers (it imports no app), so every app may use it.

Formatting follows CLDR through Babel: pt-BR reads "R$ 1.234,56", English "R$1,234.56", and
"US$ 10,00" / "$10.00" for dollars. Babel's no-break space is kept as a plain space in text
(Discord messages, emails); HTML wraps amounts in a no-wrap span instead (`{% money %}`).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision

DEFAULT_CURRENCY = "BRL"
DEFAULT_LOCALE = "pt_BR"
SUPPORTED_CURRENCIES = ("BRL", "USD", "EUR")


def babel_locale(language: str | None) -> str:
    """Django's "pt-br"/"en"/None -> Babel's "pt_BR"/"en" (our default when unknown)."""
    if not language:
        return DEFAULT_LOCALE
    lang, _, region = language.replace("_", "-").partition("-")
    return f"{lang.lower()}_{region.upper()}" if region else lang.lower()


def active_locale() -> str:
    """The locale of the request or task in progress (Django's active language)."""
    from django.conf import settings  # Django is optional here: scripts pass a locale
    from django.utils import translation

    if not settings.configured:
        return DEFAULT_LOCALE
    return babel_locale(translation.get_language())


def to_major(cents: int, currency: str = DEFAULT_CURRENCY) -> Decimal:
    """1990 -> Decimal("19.90"): the one place minor units become major ones."""
    return Decimal(int(cents)).scaleb(-get_currency_precision(currency.upper()))


def format_money(cents: int, currency: str = DEFAULT_CURRENCY, *, locale: str | None = None,
                 ) -> str:
    """1990, "BRL" -> "R$ 19,90" in pt-BR, "R$19.90" in English."""
    currency = (currency or DEFAULT_CURRENCY).upper()
    text = format_currency(to_major(cents, currency), currency,
                           locale=babel_locale(locale) if locale else active_locale())
    return text.replace("\xa0", " ").replace("\u202f", " ")
