"""`python -m bot`: the tenant sales bot. Log in to Discord, sell through the Bot API, report
health to the platform.

Slash commands live in bot/commands.py, what they do in bot/storefront/, what they show in
bot/ui/; every decision is the platform's (bot/api.py). The bot POSTs a heartbeat (gateway
latency, version) to the platform's runtime API every HEARTBEAT_SECONDS, the first one right
after READY.
Exit codes: 0 after SIGTERM, 78 when the token is refused or a privileged intent is not
enabled (the runtime marks the bot misconfigured and does not restart it),
1 for anything else (the runtime restarts it with backoff).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from bot import __version__, growth
from bot.api import BotAPI
from bot.commands import Storefront, build_tree
from bot.config import EXIT_MISCONFIGURED, Config, ConfigError
from bot.ratelimit import UserBuckets
from bot.ui.components import DYNAMIC_ITEMS
from bot.ui.memberships import DYNAMIC_ITEMS as MEMBERSHIP_ITEMS
from bot.ui.services import RefillButton

log = logging.getLogger("bot")


def point_at(config: Config) -> None:
    if config.discord_api_url:
        discord.http.Route.BASE = config.discord_api_url
    if config.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.discord_gateway_url)


class ShopBot(discord.Client):
    def __init__(self, config: Config, **options: object) -> None:
        intents = discord.Intents.default()
        intents.members = True  # role grants need GUILD_MEMBERS, a privileged intent
        # Memory stays flat whatever the server's size (one host runs a hundred bots): the
        # bot keeps no member list (joins arrive with their member; roles are granted over
        # REST by the platform), downloads none at startup, and caches no messages (posts
        # are edited by id). Each of these is discord.py's default otherwise.
        options = {"member_cache_flags": discord.MemberCacheFlags.none(),
                   "chunk_guilds_at_startup": False, "max_messages": None, **options}
        super().__init__(intents=intents, **options)
        self.config = config
        self._beat: asyncio.Task | None = None
        self._posts: asyncio.Task | None = None
        self.store = Storefront(
            BotAPI(config.platform_url, config.instance_token), locale=config.locale,
            poll_seconds=config.order_poll_seconds, cart_threads=config.cart_threads,
            rate=UserBuckets(config.rate_limit_actions, config.rate_limit_seconds))
        self.tree = build_tree(self, self.store)

    async def setup_hook(self) -> None:
        # Buttons of old messages keep working.
        self.add_dynamic_items(*DYNAMIC_ITEMS, *MEMBERSHIP_ITEMS, RefillButton)
        await self.tree.sync()

    async def close(self) -> None:
        await self.store.close()
        if self._beat is not None:
            self._beat.cancel()
        if self._posts is not None:
            self._posts.cancel()
        await super().close()

    async def on_ready(self) -> None:
        log.info("READY as %s (%s guilds)", self.user, len(self.guilds))
        release_free_memory()
        if self._beat is None and self.config.platform_url:
            self._beat = asyncio.create_task(self._heartbeat_loop())
        if self._posts is None and self.config.platform_url:
            self._posts = asyncio.create_task(self._posts_loop())

    async def on_member_join(self, member: discord.Member) -> None:
        """Roles that failed while the buyer was away are granted again, and the platform
        welcomes the new member if the shop wants (both decided by the platform)."""
        try:
            await self.store.member_joined(member)
            await growth.member_welcome(self.store, member)
        except Exception:  # a join must never take the bot down
            log.exception("handling the join of %s failed", member.id)

    async def _posts_loop(self) -> None:
        """Keep product posts current: edit those whose product changed, every minute."""
        while not self.is_closed():
            try:
                await self.store.refresh_posts(self)
            except Exception:  # never let one bad pass stop the loop
                log.exception("refreshing product posts failed")
            await asyncio.sleep(self.config.posts_refresh_seconds)

    async def _heartbeat_loop(self) -> None:
        url = f"{self.config.platform_url}/api/runtime/v1/heartbeat"
        headers = {"Authorization": f"Bearer {self.config.instance_token}"}
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self.is_closed():
                latency = self.latency
                body = {"latency_ms": int(latency * 1000) if latency == latency else None,
                        "version": __version__}
                try:
                    async with session.post(url, json=body, headers=headers) as response:
                        if response.status >= 300:
                            log.warning("heartbeat refused: HTTP %s", response.status)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("heartbeat failed: %s", type(exc).__name__)
                await asyncio.sleep(self.config.heartbeat_seconds)


def release_free_memory() -> None:
    """Give the heap freed since startup (imports, login) back to the system, once READY.

    glibc keeps freed memory for reuse; an idle bot never reuses most of it, and a host runs a
    hundred bots (about 1.3 MB each, issue 25). Elsewhere than glibc there is nothing to do."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL(None).malloc_trim(0)  # the process's own symbols: libc's, when glibc


async def run(config: Config) -> int:
    point_at(config)
    client = ShopBot(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(client.close()))
    try:
        async with client:
            await client.start(config.discord_token)
    except discord.LoginFailure:
        log.error("Discord refused the bot token")
        return EXIT_MISCONFIGURED
    except discord.PrivilegedIntentsRequired:
        log.error("a privileged intent (Server Members) is not enabled for this bot")
        return EXIT_MISCONFIGURED
    return 0


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The sales bot never joins voice: no "PyNaCl is not installed" warning in the owner's log.
    discord.VoiceClient.warn_nacl = False
    try:
        config = Config.from_env()
    except ConfigError as exc:
        log.error("configuration: %s", exc)
        return EXIT_MISCONFIGURED
    return asyncio.run(run(config))


if __name__ == "__main__":
    sys.exit(main())
