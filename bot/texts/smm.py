"""Words of the bot for custom fields (the modal on add-to-cart) and SMM services in
/meuspedidos (progress, refill)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "pt-br": {
        "fields_title": "Dados para o pedido",
        "services_title": "Seus serviços",
        "service_row": "`{code}` {item} — {status} · {delivered}/{quantity} ({percent}%)",
        "service_refunded": "reembolsado {amount}",
        "service_refill": "Pedir reposição",
        "service_refill_status": "reposição: {status}",
    },
    "en": {
        "fields_title": "Details for your order",
        "services_title": "Your services",
        "service_row": "`{code}` {item} — {status} · {delivered}/{quantity} ({percent}%)",
        "service_refunded": "refunded {amount}",
        "service_refill": "Ask for a refill",
        "service_refill_status": "refill: {status}",
    },
}
