from __future__ import annotations

from django import template

from money import format_money

register = template.Library()


@register.filter
def brl(cents: int | None, currency: str = "BRL") -> str:
    """Integer cents as money in the active language; `{{ x|brl:"USD" }}` for other currencies."""
    return "" if cents is None else format_money(cents, currency)


@register.filter
def money(cents: int | None, currency: str = "BRL") -> str:
    return brl(cents, currency)


@register.filter
def discord_markdown(text: str) -> str:
    """A message body rendered as Discord renders it (bold, italics, underline, spoilers...)."""
    from catalog.markdown import render_discord

    return render_discord(text)
