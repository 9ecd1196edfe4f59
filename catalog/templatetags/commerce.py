from __future__ import annotations

from django import template

from catalog.money import brl as _brl

register = template.Library()


@register.filter
def brl(cents: int | None) -> str:
    return "" if cents is None else _brl(cents)
