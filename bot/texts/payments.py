"""Words for the payment method picker at checkout (issue 23 item 4)."""

from __future__ import annotations

STRINGS = {
    "pt-br": {
        "pay_pix": "Pagar com PIX",
        "pay_card_mp": "Cartão (Mercado Pago)",
        "pay_card_stripe": "Cartão internacional (Stripe)",
        "pick_currency": "Em qual moeda você quer pagar com cartão (Stripe)?",
        "pay_in": "Pagar {total}",
    },
    "en": {
        "pay_pix": "Pay with PIX",
        "pay_card_mp": "Card (Mercado Pago)",
        "pay_card_stripe": "International card (Stripe)",
        "pick_currency": "Which currency do you want to pay in by card (Stripe)?",
        "pay_in": "Pay {total}",
    },
}
