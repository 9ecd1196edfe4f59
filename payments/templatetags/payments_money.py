from __future__ import annotations

from django import template

from money import format_money

register = template.Library()


@register.filter
def cents(value: int | None, currency: str = "BRL") -> str:
    """1990 -> "R$ 19,90" (pt-BR) / "R$19.90" (en), through the one formatter."""
    return "" if value is None else format_money(value, currency)
