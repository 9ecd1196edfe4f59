"""Print where to click after `make run` starts."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the URLs and demo logins of the local run."

    def handle(self, *args: Any, **options: Any) -> None:
        web = f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}"
        console = f"{_sandbox('DISCORD_SANDBOX_PORT', '8600')}/console"
        lines = [
            "",
            "Vitrine is starting:",
            f"  Portal          {web}/",
            f"  Admin (ops)     {web}/admin/",
            f"  Health          {web}/readyz",
            f"  API docs        {web}/api/docs/",
            f"  Buyer console   {console}",
            f"  Mercado Pago    {_sandbox('MERCADOPAGO_SANDBOX_PORT', '8700')}/_sandbox/",
            "Demo logins (password: " + settings.DEMO_PASSWORD + "):",
            f"  shop owner      {settings.DEMO_OWNER_EMAIL}",
            f"  operator        {settings.DEMO_OPERATOR_EMAIL}",
            "",
            "Your first sale in 5 minutes:",
            f"  1. Owner: open {web}/accounts/login/ , 'Continuar com o Discord', 'Lojista Demo'.",
            "  2. Bot page: click 'Iniciar' (token and server are already set).",
            f"  3. Buyer: open {console} , 'Acting as' Alice Compradora, channel '# loja',",
            "     command /loja, Run.",
            "  4. On 'Chave Steam Aleatória' pick Bronze, 'Escolha uma opção', then 'Comprar'.",
            "  5. Open the channel '🔒 Carrinho · Alice Compradora', click 'Simular pagamento'.",
            "  6. Channel '✉ Direct messages': the key is there.",
            "  7. Owner: Pedidos shows the order delivered; Carteira shows the money pending.",
            "",
        ]
        self.stdout.write("\n".join(lines))


def _sandbox(variable: str, default: str) -> str:
    return f"http://127.0.0.1:{os.environ.get(variable, default)}"
