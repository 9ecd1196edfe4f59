"""Words of the affiliate program in the bot (/afiliado)."""

from __future__ import annotations

STRINGS = {
    "pt-br": {
        "cmd_afiliado": "Seu código de afiliado e seus ganhos, ou use o código de alguém",
        "affiliate_title": "Seu código de afiliado: {code}",
        "affiliate_help": "Quem usar `/afiliado codigo:{code}` antes de comprar gera para você "
                          "{percent}% de comissão, que entra no seu saldo quando a venda é "
                          "liberada.",
        "affiliate_clicks": "Usos do código",
        "affiliate_sales": "Vendas",
        "affiliate_owed": "A receber",
        "affiliate_paid": "Recebido",
        "affiliate_debt": "Dívida",
        "referral_ok": "Código {code} aplicado: suas próximas compras contam para quem "
                       "indicou você.",
    },
    "en": {
        "cmd_afiliado": "Your affiliate code and earnings, or use someone's code",
        "affiliate_title": "Your affiliate code: {code}",
        "affiliate_help": "Whoever runs `/afiliado codigo:{code}` before buying earns you "
                          "{percent}% commission, added to your balance when the sale is "
                          "released.",
        "affiliate_clicks": "Code uses",
        "affiliate_sales": "Sales",
        "affiliate_owed": "To receive",
        "affiliate_paid": "Received",
        "affiliate_debt": "Debt",
        "referral_ok": "Code {code} applied: your next purchases count for whoever referred "
                       "you.",
    },
}
