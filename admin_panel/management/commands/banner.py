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
        lines = [
            "",
            "Vitrine is starting:",
            f"  Portal          {web}/",
            f"  Admin (ops)     {web}/admin/",
            f"  Health          {web}/readyz",
            f"  API docs        {web}/api/docs/",
            f"  Buyer console   {_sandbox('DISCORD_SANDBOX_PORT', '8600')}/console",
            f"  Mercado Pago    {_sandbox('MERCADOPAGO_SANDBOX_PORT', '8700')}/_sandbox/",
            "Demo logins (password: " + settings.DEMO_PASSWORD + "):",
            f"  shop owner      {settings.DEMO_OWNER_EMAIL}",
            f"  operator        {settings.DEMO_OPERATOR_EMAIL}",
            "  Discord sign-in: click 'Continuar com o Discord' and pick 'Lojista Demo'",
            "",
        ]
        self.stdout.write("\n".join(lines))


def _sandbox(variable: str, default: str) -> str:
    return f"http://127.0.0.1:{os.environ.get(variable, default)}"
