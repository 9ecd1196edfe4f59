"""Words of the affiliate program in the bot (/afiliado)."""

from __future__ import annotations

STRINGS = {
    "pt-br": {
        "cmd_afiliado": "Seu código de afiliado e seus ganhos, ou use o código de alguém",
        "affiliate_title": "Seu código de afiliado: {code}",
        "affiliate_help": "Compartilhe os seus links abaixo, ou peça para usarem "
                          "`/afiliado codigo:{code}` antes de comprar: você ganha {percent}% de "
                          "comissão quando a venda é liberada. Saque por PIX com "
                          "`/afiliado-sacar` ou use como saldo com `/afiliado-saldo`.",
        "affiliate_links": "Seus links",
        "affiliate_shop_link": "A loja",
        "affiliate_link_clicks": "Cliques nos links",
        "affiliate_balance": "Disponível",
        "cmd_afiliado_sacar": "Sacar suas comissões por PIX",
        "cmd_afiliado_saldo": "Usar suas comissões como saldo na loja",
        "affiliate_amount_bad": "Digite o valor em reais, por exemplo 12,50.",
        "affiliate_withdraw_ok": "Saque de {amount} pedido. A equipe faz o PIX e você verá o "
                                 "status em /afiliado.",
        "affiliate_to_credit_ok": "{amount} foram para o seu saldo. Comissão disponível: "
                                  "{left}.",
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
        "affiliate_help": "Share your links below, or ask buyers to run "
                          "`/afiliado codigo:{code}` before buying: you earn {percent}% "
                          "commission when the sale is released. Withdraw by PIX with "
                          "`/afiliado-sacar` or use it as store credit with `/afiliado-saldo`.",
        "affiliate_links": "Your links",
        "affiliate_shop_link": "The shop",
        "affiliate_link_clicks": "Link clicks",
        "affiliate_balance": "Available",
        "cmd_afiliado_sacar": "Withdraw your commissions by PIX",
        "cmd_afiliado_saldo": "Use your commissions as store credit",
        "affiliate_amount_bad": "Type the amount in reais, for example 12.50.",
        "affiliate_withdraw_ok": "Withdrawal of {amount} requested. The team sends the PIX; "
                                 "see its status in /afiliado.",
        "affiliate_to_credit_ok": "{amount} moved to your store credit. Commission available: "
                                  "{left}.",
        "affiliate_clicks": "Code uses",
        "affiliate_sales": "Sales",
        "affiliate_owed": "To receive",
        "affiliate_paid": "Received",
        "affiliate_debt": "Debt",
        "referral_ok": "Code {code} applied: your next purchases count for whoever referred "
                       "you.",
    },
}
