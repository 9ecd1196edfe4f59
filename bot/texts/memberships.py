"""Bot words for memberships (/assinar, /assinatura, /vincular-kofi)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "pt-br": {
        "cmd_assinar": "Assine um plano de membro e ganhe o cargo",
        "cmd_assinatura": "Veja, troque ou cancele sua assinatura",
        "cmd_vincular_kofi": "Vincule seu e-mail do Ko-fi à sua conta do Discord",
        "ms_title": "Planos de membro",
        "ms_none": "Nenhum plano de membro à venda no momento.",
        "ms_pick": "Escolha um plano",
        "ms_trial": "{n} dias grátis",
        "ms_per": "{price} · {period}",
        "ms_method": "Como você quer pagar **{tier}**?",
        "ms_pix": "PIX (cobrança a cada período)",
        "ms_card": "Cartão (renova sozinho)",
        "ms_trial_started": "Seu período de teste de **{tier}** começou: o cargo é seu até "
                            "<t:{until}:D>. Antes do fim, você recebe a cobrança por DM.",
        "ms_pay_title": "Assinatura · {tier}",
        "ms_pay_help": "Pague para ativar. O cargo chega assim que o pagamento for aprovado.",
        "ms_amount": "Valor",
        "ms_yours": "Sua assinatura",
        "ms_status": "Situação",
        "ms_tier": "Plano",
        "ms_until": "Acesso até",
        "ms_grace_until": "Pague até",
        "ms_next_tier": "A partir do próximo período",
        "ms_cancel": "Cancelar assinatura",
        "ms_cancelled": "Assinatura cancelada. Seu acesso continua até <t:{until}:D>.",
        "ms_switch": "Trocar de plano",
        "ms_pay_now": "Pagar agora",
        "ms_switch_now": "Pronto: agora você está no plano **{tier}**.",
        "ms_switch_later": "Combinado: o plano **{tier}** começa no próximo período "
                           "(<t:{until}:D>).",
        "ms_switch_pay": "Para subir para **{tier}** agora, pague a diferença proporcional "
                         "de {amount}.",
        "ms_card_link": "Pagar com cartão",
        "ms_card_help": "Autorize o cartão no Mercado Pago para assinar **{tier}**: a "
                        "cobrança se renova sozinha a cada período.",
        "kofi_code_sent": "Enviamos um código para **{email}**. Use /vincular-kofi de novo "
                          "com o e-mail e o código.",
        "kofi_linked": "Ko-fi vinculado! Apoios aplicados agora: {n}.",
    },
    "en": {
        "cmd_assinar": "Subscribe to a membership tier and get its role",
        "cmd_assinatura": "See, switch or cancel your membership",
        "cmd_vincular_kofi": "Link your Ko-fi email to your Discord account",
        "ms_title": "Membership tiers",
        "ms_none": "No membership tier is on sale right now.",
        "ms_pick": "Choose a tier",
        "ms_trial": "{n} days free",
        "ms_per": "{price} · {period}",
        "ms_method": "How do you want to pay for **{tier}**?",
        "ms_pix": "PIX (a charge each period)",
        "ms_card": "Card (renews automatically)",
        "ms_trial_started": "Your **{tier}** trial has started: the role is yours until "
                            "<t:{until}:D>. Before it ends you get the charge by DM.",
        "ms_pay_title": "Membership · {tier}",
        "ms_pay_help": "Pay to start. The role arrives as soon as the payment is approved.",
        "ms_amount": "Amount",
        "ms_yours": "Your membership",
        "ms_status": "Status",
        "ms_tier": "Tier",
        "ms_until": "Access until",
        "ms_grace_until": "Pay by",
        "ms_next_tier": "From the next period",
        "ms_cancel": "Cancel membership",
        "ms_cancelled": "Membership cancelled. Your access runs until <t:{until}:D>.",
        "ms_switch": "Switch tier",
        "ms_pay_now": "Pay now",
        "ms_switch_now": "Done: you are now on the **{tier}** tier.",
        "ms_switch_later": "All set: the **{tier}** tier starts with the next period "
                           "(<t:{until}:D>).",
        "ms_switch_pay": "To move up to **{tier}** now, pay the prorated difference of "
                         "{amount}.",
        "ms_card_link": "Pay by card",
        "ms_card_help": "Authorize your card on Mercado Pago to subscribe to **{tier}**: it "
                        "renews by itself every period.",
        "kofi_code_sent": "We sent a code to **{email}**. Run /vincular-kofi again with the "
                          "email and the code.",
        "kofi_linked": "Ko-fi linked! Support applied now: {n}.",
    },
}
