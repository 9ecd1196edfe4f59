"""Money at the edge: integer centavos shown as Brazilian reais."""

from __future__ import annotations


def brl(cents: int) -> str:
    """R$ 1.234,56: the way Brazilian buyers read prices, in every language."""
    reais, centavos = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}R$ {reais:,}".replace(",", ".") + f",{centavos:02d}"
