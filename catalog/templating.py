"""Message templates: `{{name}}` substitution over a fixed set of names, nothing else.

No template engine runs shop-owner text: an unknown `{{thing}}` stays as written, and values are
inserted verbatim (Discord renders them; the portal escapes them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = ("buyer", "product", "variant", "items", "order", "total")
_PATTERN = re.compile(r"\{\{\s*(" + "|".join(PLACEHOLDERS) + r")\s*\}\}")

DEFAULTS = {
    "pt-br": {
        "delivery": "Olá {{buyer}}! Obrigado pela compra de **{{product}}** ({{variant}}).\n"
                    "Pedido {{order}} — total {{total}}.\n\nSeus itens:\n{{items}}",
        "receipt": "Recibo do pedido {{order}}\n{{product}} — {{variant}}\nTotal: {{total}}",
        "staff": "Nova venda: {{order}} — {{buyer}} comprou {{product}} ({{variant}}) "
                 "por {{total}}.",
    },
    "en": {
        "delivery": "Hi {{buyer}}! Thanks for buying **{{product}}** ({{variant}}).\n"
                    "Order {{order}} — total {{total}}.\n\nYour items:\n{{items}}",
        "receipt": "Receipt for order {{order}}\n{{product}} — {{variant}}\nTotal: {{total}}",
        "staff": "New sale: {{order}} — {{buyer}} bought {{product}} ({{variant}}) "
                 "for {{total}}.",
    },
}

SAMPLE = {
    "buyer": "@comprador", "product": _("Premium key"), "variant": _("30 days"),
    "items": "XXXX-YYYY-ZZZZ", "order": "#A1B2C3", "total": "R$ 19,90",
}


def render_message(body: str, values: Mapping[str, object]) -> str:
    return _PATTERN.sub(lambda m: str(values.get(m.group(1), "")), body)


def default_body(kind: str, locale: str) -> str:
    return DEFAULTS.get(locale, DEFAULTS["pt-br"])[kind]
