"""System checks of the bot runtime (run by `manage.py check`, `check --deploy` and `migrate`,
so a deployment with a dangerous setting stops before anything starts)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def bot_network_check(app_configs=None, **kwargs) -> list[Error]:
    """Refuse host networking for bot containers outside DEBUG: on the host's network a bot
    reaches PostgreSQL, Redis, the Docker API, the workers and every other shop's bot."""
    backend = getattr(settings, "RUNTIME_BACKEND", "process")
    network = str(getattr(settings, "RUNTIME_BOT_NETWORK", "") or "").strip()
    if settings.DEBUG or backend not in ("docker", "swarm") or network != "host":
        return []
    return [Error(
        "RUNTIME_BOT_NETWORK=host puts every shop's bot on the host's network (it reaches the "
        "database, Redis and the other bots).",
        hint="Unset RUNTIME_BOT_NETWORK (the controller then creates an isolated bot network) "
             "or name a network; host networking is for DEBUG, tests and the local sandbox.",
        id="runtime.E001",
    )]
