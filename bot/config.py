"""The bot's configuration, read from its environment (and the two secrets from files).

DISCORD_TOKEN_FILE a file holding the tenant's Discord bot token (the docker and swarm
                   runtimes mount it at /run/secrets/discord_token; the environment then holds
                   only the path, so `docker inspect` shows no token)
DISCORD_TOKEN      the token itself, when no *_FILE is given (the process runtime, local runs);
                   one of the two is required
INSTANCE_TOKEN_FILE / INSTANCE_TOKEN  the same for the instance API key
PLATFORM_URL       where Vitrine is reached, e.g. https://vitrine.example (heartbeats, Bot API)
INSTANCE_TOKEN     the tenant's instance API key (Bearer) for the platform
DISCORD_API_URL    optional REST base, e.g. http://127.0.0.1:8600/api/v10 (the sandbox)
DISCORD_GATEWAY_URL optional gateway, e.g. ws://127.0.0.1:8600/gateway
HEARTBEAT_SECONDS  how often to report to the platform (default 30)
BOT_LOCALE         optional "pt-br" or "en" for the bot's own texts (else the shop's, from the
                   catalog; else pt-BR)
ORDER_POLL_SECONDS how often a checkout message asks the platform for its order (default 3)
POSTS_REFRESH_SECONDS how often product posts whose product changed are edited (default 60)
RATE_LIMIT_ACTIONS buttons/selects/modals one buyer may use in RATE_LIMIT_SECONDS (default 6
RATE_LIMIT_SECONDS in 10 s); past that the buyer is told to slow down, the platform not asked
CART_THREADS       "0" keeps carts and checkouts in ephemeral messages; else (default) a
                   private thread per buyer in the channel where they shop
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

EXIT_MISCONFIGURED = 78  # EX_CONFIG: the runtime marks the bot misconfigured, no restart


class ConfigError(RuntimeError):
    pass


def secret(env: dict[str, str], name: str) -> str:
    """NAME_FILE's content when NAME_FILE is set (a missing file is an error), else NAME."""
    path = env.get(f"{name}_FILE", "").strip()
    if not path:
        return env.get(name, "").strip()
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{name}_FILE {path} cannot be read: {exc.strerror}") from None


@dataclass(frozen=True)
class Config:
    discord_token: str
    platform_url: str
    instance_token: str
    discord_api_url: str
    discord_gateway_url: str
    heartbeat_seconds: float
    locale: str = ""
    order_poll_seconds: float = 3.0
    posts_refresh_seconds: float = 60.0
    rate_limit_actions: int = 6
    rate_limit_seconds: float = 10.0
    cart_threads: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        token = secret(env, "DISCORD_TOKEN")
        if not token:
            raise ConfigError("DISCORD_TOKEN (or DISCORD_TOKEN_FILE) is not set")
        try:
            heartbeat = float(env.get("HEARTBEAT_SECONDS", "30"))
        except ValueError:
            raise ConfigError("HEARTBEAT_SECONDS must be a number") from None
        try:
            poll = float(env.get("ORDER_POLL_SECONDS", "3"))
        except ValueError:
            raise ConfigError("ORDER_POLL_SECONDS must be a number") from None
        try:
            refresh = float(env.get("POSTS_REFRESH_SECONDS", "60"))
        except ValueError:
            raise ConfigError("POSTS_REFRESH_SECONDS must be a number") from None
        try:
            actions = int(env.get("RATE_LIMIT_ACTIONS", "6"))
            per = float(env.get("RATE_LIMIT_SECONDS", "10"))
        except ValueError:
            raise ConfigError("RATE_LIMIT_ACTIONS and RATE_LIMIT_SECONDS must be numbers") \
                from None
        return cls(
            discord_token=token,
            platform_url=env.get("PLATFORM_URL", "").rstrip("/"),
            instance_token=secret(env, "INSTANCE_TOKEN"),
            discord_api_url=env.get("DISCORD_API_URL", "").rstrip("/"),
            discord_gateway_url=env.get("DISCORD_GATEWAY_URL", ""),
            heartbeat_seconds=max(heartbeat, 1.0),
            locale=env.get("BOT_LOCALE", "").strip().lower(),
            order_poll_seconds=min(max(poll, 0.05), 60.0),
            posts_refresh_seconds=min(max(refresh, 5.0), 3600.0),
            rate_limit_actions=min(max(actions, 1), 1000),
            rate_limit_seconds=min(max(per, 0.1), 3600.0),
            cart_threads=env.get("CART_THREADS", "1").strip().lower() not in
            ("0", "false", "no", "off"),
        )
