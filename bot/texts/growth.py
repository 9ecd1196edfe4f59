"""Words of the growth features: /notificacoes (reminders of abandoned carts)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "pt-br": {
        "cmd_notificacoes": "Ligar ou desligar os lembretes de carrinho abandonado",
        "notify_option": "ligar ou desligar",
        "notify_on": "ligar",
        "notify_off": "desligar",
        "notifications_on": "Lembretes ligados: avisaremos por DM se você esquecer algo no "
                            "carrinho.",
        "notifications_off": "Lembretes desligados: não enviaremos mais DMs sobre carrinhos "
                             "esquecidos. Para voltar a receber, use /notificacoes ligar.",
    },
    "en": {
        "cmd_notificacoes": "Turn abandoned-cart reminders on or off",
        "notify_option": "on or off",
        "notify_on": "on",
        "notify_off": "off",
        "notifications_on": "Reminders on: we will DM you if you leave something in your cart.",
        "notifications_off": "Reminders off: no more DMs about forgotten carts. To get them "
                             "again, use /notificacoes on.",
    },
}
