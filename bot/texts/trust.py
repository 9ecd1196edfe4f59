"""The bot's words for trust: the review buttons and modal, ratings on product cards, the
held order's outcome and /aprovar."""

from __future__ import annotations

STRINGS = {
    "pt-br": {
        "on_hold": "Pagamento confirmado — o pedido está em análise pela loja. Você recebe os "
                   "itens por DM assim que ele for aprovado.",
        "review_title": "Avaliar pedido {code}",
        "review_comment": "Comentário (opcional)",
        "review_placeholder": "Conte como foi a sua compra",
        "rating": "Avaliações",
        "rating_value": "⭐ {average} · {count}",
        "cmd_aprovar": "Aprova um pedido em análise e inicia a entrega (equipe)",
    },
    "en": {
        "on_hold": "Payment confirmed — the shop is reviewing the order. You get your items "
                   "by DM as soon as it is approved.",
        "review_title": "Review order {code}",
        "review_comment": "Comment (optional)",
        "review_placeholder": "Tell us how your purchase went",
        "rating": "Reviews",
        "rating_value": "⭐ {average} · {count}",
        "cmd_aprovar": "Approves an order under review and starts its delivery (staff)",
    },
}
