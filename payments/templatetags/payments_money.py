from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cents(value: int | None) -> str:
    """1990 -> "19,90" (pt-BR) / "19.90" (en): money as integer centavos, shown localized."""
    if value is None:
        return ""
    return number_format(value / 100, decimal_pos=2, use_l10n=True, force_grouping=True)
