"""Words of store credit in the bot: /saldo, top-ups, /resgatar and paying with the balance."""

from __future__ import annotations

STRINGS = {
    "pt-br": {
        "cmd_saldo": "Seu saldo na loja, o histórico e recarga por PIX",
        "cmd_resgatar": "Resgatar um vale-presente no seu saldo",
        "credit_title": "Seu saldo",
        "credit_history": "Últimos movimentos",
        "credit_no_history": "Nenhum movimento ainda.",
        "credit_topup_hint": "Recarregue com `/saldo recarregar:<valor em reais>` "
                             "(de {min} a {max}).",
        "credit_topup_bonus": "Cada recarga ganha {bonus}% de bônus.",
        "credit_topup_off": "Esta loja não aceita recargas; o saldo vem de vales-presente e "
                            "reembolsos.",
        "credit_spend_hint": "O saldo é usado primeiro nas suas compras.",
        "topup_title": "Recarga de {amount}",
        "topup_bonus": "Bônus: {bonus}",
        "topup_help": "Pague o PIX abaixo; o valor entra no seu saldo assim que for aprovado.",
        "redeemed": "Vale-presente resgatado: {amount} entraram no seu saldo, que agora é "
                    "{balance}.",
        "credit_paid": "Pago com o seu saldo. A entrega já vai começar.",
        "credit_applied": "Saldo usado",
    },
    "en": {
        "cmd_saldo": "Your balance in this shop, its history and PIX top-ups",
        "cmd_resgatar": "Redeem a gift card into your balance",
        "credit_title": "Your balance",
        "credit_history": "Latest movements",
        "credit_no_history": "No movements yet.",
        "credit_topup_hint": "Top up with `/saldo recarregar:<amount in reais>` "
                             "(from {min} to {max}).",
        "credit_topup_bonus": "Every top-up earns a {bonus}% bonus.",
        "credit_topup_off": "This shop takes no top-ups; balances come from gift cards and "
                            "refunds.",
        "credit_spend_hint": "Your balance is spent first when you buy.",
        "topup_title": "Top-up of {amount}",
        "topup_bonus": "Bonus: {bonus}",
        "topup_help": "Pay the PIX below; the amount goes to your balance once approved.",
        "redeemed": "Gift card redeemed: {amount} went to your balance, now {balance}.",
        "credit_paid": "Paid with your balance. Delivery starts now.",
        "credit_applied": "Balance used",
    },
}
