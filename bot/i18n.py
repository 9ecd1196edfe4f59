"""The bot's own texts (buttons, titles, hints) in pt-BR (default) and English.

Messages from the Bot API arrive already in the shop's language and are shown as they come;
these are only the words the bot itself puts around them.
"""

from __future__ import annotations

from bot.texts import merged

DEFAULT = "pt-br"

STRINGS: dict[str, dict[str, str]] = {
    "pt-br": {
        "buy": "Comprar",
        "add_to_cart": "Adicionar ao carrinho",
        "choose_variant": "Escolha uma opção",
        "pick_variant_first": "Escolha uma opção no menu antes.",
        "variant_chosen": "Você escolheu **{item}** — {price}.",
        "sold_out": "esgotado",
        "in_stock": "{n} em estoque",
        "price": "Preço",
        "stock": "Estoque",
        "no_products": "Nenhum produto à venda no momento.",
        "product_gone": "Este produto não está mais à venda.",
        "cart": "Seu carrinho",
        "cart_empty": "Seu carrinho está vazio.",
        "added": "Adicionado ao carrinho: {item}. Use /carrinho para finalizar.",
        "subtotal": "Subtotal",
        "discount": "Desconto",
        "total": "Total",
        "coupon": "Cupom",
        "apply_coupon": "Aplicar cupom",
        "coupon_code": "Código do cupom",
        "remove": "Remover",
        "checkout": "Finalizar compra",
        "more_lines": "…e mais {n} itens (ajuste pelo carrinho).",
        "order": "Pedido {code}",
        "pay_pix": "Pague com PIX",
        "pix_help": "Escaneie o QR code ou use o PIX copia e cola:",
        "expires": "Expira",
        "pay_card": "Pagar com cartão",
        "simulate": "Simular pagamento",
        "simulated": "Pagamento simulado no sandbox do Mercado Pago: a entrega chega em "
                     "instantes.",
        "delivering": "Pagamento confirmado — entregando…",
        "delivered": "Entregue! Confira sua DM (com as DMs fechadas, a entrega chega no seu "
                     "carrinho privado neste servidor).",
        "partially_delivered": "Pagamento confirmado, mas só parte do pedido foi entregue "
                               "(confira sua DM). A equipe da loja já foi avisada; depois use "
                               "/meuspedidos para reenviar.",
        "delivery_failed": "Pagamento confirmado, mas a entrega falhou. A equipe da loja já foi "
                           "avisada; abra suas DMs e use /meuspedidos para reenviar.",
        "refunded": "Pedido reembolsado.",
        "cancelled": "Pedido cancelado.",
        "charged_back": "O pagamento foi contestado e estornado.",
        "slow_down": "Calma! Muitas ações seguidas. Tente de novo em {n} s.",
        "thread_name": "🛒 Carrinho · {name}",
        "added_thread": "Adicionado ao carrinho: {item}. Seu carrinho está em {thread}.",
        "see_thread": "Seu carrinho está em {thread}.",
        "checkout_thread": "Pedido {code} criado: pague em {thread}.",
        "expired": "O prazo de pagamento terminou. Faça um novo pedido quando quiser.",
        "failed": "O pagamento não foi concluído.",
        "status": "Situação",
        "my_orders": "Seus pedidos",
        "no_orders": "Você ainda não tem pedidos.",
        "unavailable": "A loja está indisponível agora. Tente de novo em instantes.",
        "busy": "Calma! Aguarde a ação anterior terminar.",
        "staff_only": "Só a equipe da loja (Gerenciar Servidor) pode usar este comando.",
        "guild_only": "Use este comando dentro do servidor.",
        "linked": "Servidor vinculado à loja **{shop}**.",
        "posted": "Produto publicado em {channel}.",
        "product_not_found": "Produto não encontrado.",
        "cmd_loja": "Mostra os produtos à venda",
        "cmd_carrinho": "Mostra seu carrinho",
        "cmd_meuspedidos": "Mostra seus pedidos",
        "cmd_vincular": "Vincula este servidor à loja (equipe)",
        "cmd_postar": "Publica um produto em um canal (equipe)",
        "resend": "Reenviar para DM",
        "stock_row": "{available} disponíveis · {reserved} reservados · {sold} vendidos",
        "staff_only_role": "Só a equipe da loja (Gerenciar Servidor ou cargo da equipe) pode "
                           "usar este comando.",
        "cmd_repostar": "Publica de novo um produto no canal dele (equipe)",
        "reposted": "Produto publicado de novo em {channel}.",
        "not_posted": "Este produto ainda não foi publicado; use /postar.",
        "cmd_estoque": "Mostra o estoque de cada opção (equipe)",
        "cmd_entregar": "Entrega de novo os itens de um pedido (equipe)",
        "cmd_reembolsar": "Reembolsa um pedido (equipe)",
    },
    "en": {
        "buy": "Buy",
        "add_to_cart": "Add to cart",
        "choose_variant": "Choose an option",
        "pick_variant_first": "Choose an option in the menu first.",
        "variant_chosen": "You picked **{item}** — {price}.",
        "sold_out": "sold out",
        "in_stock": "{n} in stock",
        "price": "Price",
        "stock": "Stock",
        "no_products": "Nothing for sale right now.",
        "product_gone": "This product is no longer for sale.",
        "cart": "Your cart",
        "cart_empty": "Your cart is empty.",
        "added": "Added to your cart: {item}. Use /carrinho to check out.",
        "subtotal": "Subtotal",
        "discount": "Discount",
        "total": "Total",
        "coupon": "Coupon",
        "apply_coupon": "Apply coupon",
        "coupon_code": "Coupon code",
        "remove": "Remove",
        "checkout": "Check out",
        "more_lines": "…and {n} more items (adjust them in the cart).",
        "order": "Order {code}",
        "pay_pix": "Pay with PIX",
        "pix_help": "Scan the QR code or use the PIX copy-and-paste code:",
        "expires": "Expires",
        "pay_card": "Pay by card",
        "simulate": "Simulate payment",
        "simulated": "Payment simulated in the Mercado Pago sandbox: the delivery arrives in "
                     "a moment.",
        "delivering": "Payment confirmed — delivering…",
        "delivered": "Delivered! Check your DMs (with DMs closed, it comes to your private cart "
                     "thread in this server).",
        "partially_delivered": "Payment confirmed, but only part of the order was delivered "
                               "(check your DMs). The shop's staff were told; later use "
                               "/meuspedidos to re-send.",
        "delivery_failed": "Payment confirmed, but the delivery failed. The shop's staff were "
                           "told; open your DMs and use /meuspedidos to re-send.",
        "refunded": "Order refunded.",
        "cancelled": "Order cancelled.",
        "charged_back": "The payment was disputed and charged back.",
        "slow_down": "Slow down! Too many actions in a row. Try again in {n} s.",
        "thread_name": "🛒 Cart · {name}",
        "added_thread": "Added to your cart: {item}. Your cart is in {thread}.",
        "see_thread": "Your cart is in {thread}.",
        "checkout_thread": "Order {code} placed: pay in {thread}.",
        "expired": "The payment window ended. Place a new order whenever you like.",
        "failed": "The payment did not go through.",
        "status": "Status",
        "my_orders": "Your orders",
        "no_orders": "You have no orders yet.",
        "unavailable": "The shop is unavailable right now. Try again in a moment.",
        "busy": "Hold on! Wait for the previous action to finish.",
        "staff_only": "Only the shop's staff (Manage Server) can use this command.",
        "guild_only": "Use this command inside the server.",
        "linked": "Server linked to the shop **{shop}**.",
        "posted": "Product posted in {channel}.",
        "product_not_found": "Product not found.",
        "cmd_loja": "Shows the products for sale",
        "cmd_carrinho": "Shows your cart",
        "cmd_meuspedidos": "Shows your orders",
        "cmd_vincular": "Links this server to the shop (staff)",
        "cmd_postar": "Posts a product in a channel (staff)",
        "resend": "Resend to DM",
        "stock_row": "{available} available · {reserved} reserved · {sold} sold",
        "staff_only_role": "Only the shop's staff (Manage Server or the staff role) can use "
                           "this command.",
        "cmd_repostar": "Posts a product again in its channel (staff)",
        "reposted": "Product posted again in {channel}.",
        "not_posted": "This product was not posted yet; use /postar.",
        "cmd_estoque": "Shows the stock of each option (staff)",
        "cmd_entregar": "Delivers an order's items again (staff)",
        "cmd_reembolsar": "Refunds an order (staff)",
    },
}

for _locale, _table in merged().items():  # the features' words (bot/texts/)
    STRINGS[_locale].update(_table)


def normalize(locale: str | None) -> str:
    """"pt-BR", "pt_br", "pt" → "pt-br"; "en-US" → "en"; anything else → the default."""
    value = (locale or "").strip().lower().replace("_", "-")
    if value.startswith("en"):
        return "en"
    return DEFAULT


def known(key: str) -> bool:
    """Whether the bot has words for `key` (e.g. an order `outcome` named by the Bot API)."""
    return key in STRINGS[DEFAULT]


def t(locale: str | None, key: str, **kwargs: object) -> str:
    table = STRINGS[normalize(locale)]
    text = table.get(key) or STRINGS[DEFAULT].get(key) or key
    return text.format(**kwargs) if kwargs else text
