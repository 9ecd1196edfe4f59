"""The sales bot as a real process (`python -m bot`), killed mid-sale and started again.

Wiring: the platform is pytest-django's live_server; the bot subprocess gets only its
container's environment (DISCORD_TOKEN, PLATFORM_URL, INSTANCE_TOKEN and the Discord sandbox's
REST and gateway URLs, bot/config.py). The buyer acts through the Discord sandbox's control
API, which delivers slash commands and clicks to the bot over the gateway. Mercado Pago is the
in-process sandbox: approving a payment sends the signed webhook to the live server, which
stores it and runs payments' and fulfillment's Celery tasks *eagerly* (task_always_eager, in
the request thread after commit, as tests/fulfillment do): the webhook task re-reads the
payment, the order is marked paid, and deliver_order DMs the key through Discord REST with the
shop's bot token (fulfillment is the platform's job, so it needs no bot at all).

Readiness is read from the bot's own output (its "READY as ..." log line); the buyer's answers
are read from the sandbox, polling with a short wait inside a deadline (ephemeral messages
emit no gateway event). Every bot process is killed in teardown.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.utils import translation

from catalog.models import StockItem
from config.celery import app as celery_app
from runtime.models import BotRuntime
from sales.errors import SalesError
from sales.models import Order
from sales.services.checkout import order_payment
from sandbox.discord.testing import DiscordSandbox
from sandbox.mercadopago.store import SandboxConfig
from sandbox.mercadopago.testing import MercadoPagoSandbox
from tenants.services import instance_token_create
from tests.sales import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 1 << 1
TIMEOUT = 30.0
POLL = 0.02  # seconds between reads of the sandbox inside a deadline
LOADING = 1 << 7  # the "Bot is thinking..." placeholder
T = TypeVar("T")
_tick = threading.Event()  # never set: its wait() is the short pause between polls


def eventually(check: Callable[[], T | None], what: str, timeout: float = TIMEOUT) -> T:
    """Return check()'s first truthy value; fail with `what` once the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        _tick.wait(POLL)


# --- the bot process ----------------------------------------------------------------------
class BotProcess:
    """`python -m bot` with a reader thread, so output can be awaited line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True, name="bot-output").start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)  # EOF: the process is gone

    def wait_for(self, needle: str, timeout: float = TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"bot never printed {needle!r}:\n{self.log}") from None
            if line is None:
                raise AssertionError(f"bot exited ({self.proc.wait()}) before {needle!r}:\n"
                                     f"{self.log}")
            self.output.append(line)
            if needle in line:
                return line

    @property
    def log(self) -> str:
        return "".join(self.output)

    def kill(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(timeout=10)


@pytest.fixture
def spawn_bot() -> Iterator[Callable[[dict[str, str]], BotProcess]]:
    started: list[BotProcess] = []

    def spawn(env: dict[str, str]) -> BotProcess:
        bot = BotProcess(env)
        started.append(bot)
        return bot

    yield spawn
    for bot in started:  # whatever happened in the test
        bot.kill()


# --- the world ----------------------------------------------------------------------------
@pytest.fixture
def sb() -> Iterator[DiscordSandbox]:
    with DiscordSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def mp(settings) -> Iterator[MercadoPagoSandbox]:
    # A generous webhook timeout: the eager tasks run inside the webhook request.
    config = SandboxConfig(retry_schedule=[0.0, 0.0], webhook_timeout=20.0)
    with MercadoPagoSandbox(config) as sandbox:
        settings.MERCADOPAGO_API_BASE_URL = sandbox.url
        settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-vitrine-e2e"
        settings.MERCADOPAGO_WEBHOOK_SECRET = "sandbox-webhook-secret"  # the sandbox's default
        yield sandbox


@pytest.fixture
def eager() -> Iterator[None]:
    before = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def world(shop, sb, mp, eager, live_server, settings) -> dict[str, Any]:
    settings.PUBLIC_URL = live_server.url  # Mercado Pago's notification_url, the QR image
    settings.DISCORD_API_BASE_URL = f"{sb.url}/api"  # fulfillment's REST calls
    premium = f.product(shop.tenant, description="Acesso completo")
    month = f.variant(premium, label="30 dias", price_cents=1990, keys=2)
    quarter = f.variant(premium, label="90 dias", price_cents=4990, keys=2)
    course = f.product(shop.tenant, name="Curso")
    lifetime = f.variant(course, label="Vitalício", price_cents=10000, keys=2)
    app, buyer, guild = sandbox_guild(sb)
    return {"env": bot_env(shop, sb, app, live_server), "channel": guild["channels"][0]["id"],
            "buyer": buyer["id"], "guild": guild["id"],
            "premium": premium, "month": month, "quarter": quarter, "course": course,
            "lifetime": lifetime, "tenant": shop.tenant}


def sandbox_guild(sb, tenant=None) -> tuple[dict, dict, dict]:
    """The shop's Discord server at the sandbox: its bot application, an owner, and Alice the
    buyer as a member; `tenant`, if given, is linked to it. Returns (app, buyer, guild)."""
    app = sb.create_application("Loja Bot", intents=MEMBERS)
    owner = sb.create_user("lojista")
    buyer = sb.create_user("alice", global_name="Alice")
    guild = sb.create_guild("Loja", [app["id"]], owner_id=owner["id"])
    sb.add_member(guild["id"], buyer["id"])
    if tenant is not None:
        tenant.discord_guild_id = guild["id"]
        tenant.save(update_fields=["discord_guild_id"])
    return app, buyer, guild


def bot_env(shop, sb, app, live_server) -> dict[str, str]:
    """What `python -m bot` gets from the controller: the sandbox bot token (also stored on the
    shop's runtime, as fulfillment reads it there), a fresh instance token and the platform."""
    BotRuntime.objects.update_or_create(tenant=shop.tenant,
                                        defaults={"discord_token": app["token"]})
    _token, raw = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    return {"PATH": os.environ.get("PATH", ""), "PYTHONUNBUFFERED": "1",
            "DISCORD_TOKEN": app["token"], "PLATFORM_URL": live_server.url,
            "INSTANCE_TOKEN": raw, "DISCORD_API_URL": sb.api_base,
            "DISCORD_GATEWAY_URL": sb.gateway_url, "HEARTBEAT_SECONDS": "30",
            "ORDER_POLL_SECONDS": "0.2", "POSTS_REFRESH_SECONDS": "3600"}


# --- the buyer ----------------------------------------------------------------------------
def settled(sb: DiscordSandbox, interaction_id: str, cards: int = 1) -> dict[str, Any]:
    """The interaction once the bot has answered: a deferred update (type 6); a message that is
    no longer "thinking" (plus `cards - 1` followups); or a placeholder the bot deleted because
    it answered in the buyer's cart thread, where the click came from."""

    def check() -> dict[str, Any] | None:
        done = sb.interaction(interaction_id, wait=POLL)
        response = done["response"]
        if response is None:
            return None
        message = done["message"]
        if response.get("type") == 6 or message is None:
            return done
        if int(message.get("flags") or 0) & LOADING:
            return None
        return done if 1 + len(done["followups"]) >= cards else None

    return eventually(check, f"an answer to interaction {interaction_id}")


def command(sb: DiscordSandbox, world: dict, name: str, cards: int = 1) -> dict[str, Any]:
    ran = sb.run_command(world["channel"], world["buyer"], name)
    return settled(sb, ran["id"], cards)


def click(sb: DiscordSandbox, world: dict, at: tuple[str, dict], custom_id: str,
          values: list[str] | None = None) -> dict[str, Any]:
    channel_id, message = at
    done = sb.click(channel_id, message["id"], world["buyer"], custom_id, values)
    return settled(sb, done["id"])


def carries(sb: DiscordSandbox, world: dict, at: tuple[str, dict], custom_id: str) -> None:
    """Wait until the bot has rewritten that message's buttons to include `custom_id`."""
    located(sb, world, lambda m: m["id"] == at[1]["id"] and custom_id in custom_ids(m),
            f"message {at[1]['id']} carrying {custom_id}")


def text(answer: dict) -> str:
    return (answer["message"] or {}).get("content") or ""


def messages_everywhere(sb: DiscordSandbox, world: dict) -> list[tuple[str, dict]]:
    """(channel id, message) in the shop's channel and its threads (the bot may put carts and
    checkouts in a private thread per buyer, or keep them ephemeral in the channel)."""
    channels = [world["channel"]] + [t["id"] for t in sb.guild(world["guild"])["threads"]]
    found = [(cid, m) for cid in channels for m in sb.messages(cid)]
    return sorted(found, key=lambda pair: int(pair[1]["id"]))


def located(sb: DiscordSandbox, world: dict, wanted: Callable[[dict], bool],
            what: str) -> tuple[str, dict]:
    """The newest message anywhere in the shop that `wanted` accepts."""
    return eventually(lambda: next((pair for pair in reversed(messages_everywhere(sb, world))
                                    if wanted(pair[1])), None), what)


def titled(title: str) -> Callable[[dict], bool]:
    return lambda m: bool(m["embeds"]) and m["embeds"][0].get("title") == title


def custom_ids(message: dict) -> list[str]:
    return [c.get("custom_id") for row in message["components"] for c in row["components"]]


def sold_key(order: Order) -> str:
    [key] = StockItem.objects.for_tenant(order.tenant_id).filter(order_ref=order.pk)
    return key.content


def pay(mp: MercadoPagoSandbox, sb: DiscordSandbox, world: dict, order: Order) -> str:
    """Approve the order's PIX at Mercado Pago; return the DM that carries its key."""
    payment = order_payment(order=order)
    key = sold_key(order)
    mp.approve(payment.provider_payment_id)  # the signed webhook goes to the live server
    return eventually(lambda: next((m["content"] for m in sb.dms(world["buyer"])
                                    if key in m["content"]), None), f"the DM with {key}")


def test_bot_killed_mid_sale_restarts_and_old_buttons_still_sell(world, sb, mp, spawn_bot):
    started = time.monotonic()
    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")

    # /loja, pick "30 dias" on the product card, Comprar: the PIX checkout.
    shop = command(sb, world, "loja", cards=2)
    cards = {m["embeds"][0]["title"]: (world["channel"], m)
             for m in [shop["message"], *shop["followups"]]}
    premium, course = cards["Chave Premium"], cards["Curso"]
    pid, cid = world["premium"].pk, world["course"].pk
    chosen = click(sb, world, premium, f"vt:var:{pid}", [str(world["month"].pk)])
    assert chosen["response"]["type"] == 7  # the card is updated to carry the pick
    carries(sb, world, premium, f"vt:buy:{pid}:{world['month'].pk}")  # the pick is on the card
    click(sb, world, premium, f"vt:buy:{pid}:{world['month'].pk}")
    first = Order.objects.for_tenant(world["tenant"]).get()
    _, checkout = located(sb, world, titled(f"Pedido {first.code}"), "the PIX checkout")
    assert checkout["content"] == f"```\n{order_payment(order=first).pix_code}\n```"
    assert [a["filename"] for a in checkout["attachments"]] == ["pix.png"]
    # and Curso goes to the cart, whose message carries "Finalizar compra" (R$ 100,00).
    checkout_id = f"vt:checkout:{world['lifetime'].price_cents}"
    added = click(sb, world, course, f"vt:add:{cid}")
    assert text(added).startswith("Adicionado ao carrinho: Curso")
    cart = located(sb, world, lambda m: checkout_id in custom_ids(m), "the cart message")
    # The buyer picks "90 dias" on the card just before the crash: the pick lives on the card.
    click(sb, world, premium, f"vt:var:{pid}", [str(world["quarter"].pk)])
    carries(sb, world, premium, f"vt:add:{pid}:{world['quarter'].pk}")

    # The bot dies mid-flow (no goodbye to the gateway) and its supervisor starts it again.
    assert bot.kill() == -signal.SIGKILL
    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")

    # Two rapid clicks on the old cart message's "Finalizar compra": one order.
    with ThreadPoolExecutor(2) as pool:
        clicks = list(pool.map(lambda _: sb.click(cart[0], cart[1]["id"], world["buyer"],
                                                  checkout_id), range(2)))
    answers = [settled(sb, done["id"]) for done in clicks]
    orders = list(Order.objects.for_tenant(world["tenant"]).order_by("pk"))
    assert len(orders) == 2
    second = orders[1]
    shown = [m for _, m in messages_everywhere(sb, world) if titled(f"Pedido {second.code}")(m)]
    assert len(shown) == 1 and shown[0]["content"].startswith("```\n")
    with translation.override("pt-br"):
        refused = SalesError("cart_empty").message()
    assert [text(a) for a in answers].count(refused) == 1

    # The old product card's buttons work in the new process too, and the pick made before the
    # crash still holds (no need to choose again).
    again = click(sb, world, course, f"vt:add:{cid}")
    assert text(again).startswith("Adicionado ao carrinho: Curso")
    both = click(sb, world, premium, f"vt:add:{pid}:{world['quarter'].pk}")
    assert text(both).startswith("Adicionado ao carrinho: Chave Premium · 90 dias")
    _, fresh = located(sb, world, lambda m: "90 dias" in (m["embeds"] or [{}])[0].get(
        "description", ""), "the cart with both items")
    assert "Curso" in fresh["embeds"][0]["description"]

    # Mercado Pago approves both: each key arrives by DM, exactly once.
    dm_first = pay(mp, sb, world, first)
    dm_second = pay(mp, sb, world, second)
    assert f"#{first.code}" in dm_first and f"#{second.code}" in dm_second
    dms = [m["content"] for m in sb.dms(world["buyer"])]
    assert len(dms) == 2
    for order in (first, second):
        # The DM goes out just before the delivery is recorded and the order settles.
        eventually(lambda o=order: Order.objects.for_tenant(o.tenant_id).filter(
            pk=o.pk, status="delivered").exists(), f"order {order.code} delivered")
        assert sum(sold_key(order) in dm for dm in dms) == 1
    assert bot.proc.poll() is None, bot.log  # the restarted bot is still up
    print(f"\ne2e bot process: {time.monotonic() - started:.1f}s")
