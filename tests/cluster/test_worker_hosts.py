"""Celery workers on two other hosts (network namespaces, plain processes) consume the
fulfillment queue from the same Redis and write the same PostgreSQL, both reached across the
bridge (forwarders on 10.214.0.1 to the shared servers' loopback ports).

The worker host that takes a sale dies mid-delivery at the worst moment: Discord (the sandbox)
has stored the buyer's DM but its answer is held, so the worker never records it. The host's
link is cut and every process in it SIGKILLed, then its namespace deleted. Then:
1. late acknowledgement: the task's message was never acked, so after the visibility timeout
   Redis hands it to the surviving host; the dead worker's claim on the delivery makes that
   redelivery do nothing (no second DM);
2. the claim sweeper (beat; here run with the clock moved past STALE_AFTER) puts the stale claim
   back to pending and re-enqueues it; the survivor delivers, with the delivery's nonce, and
   Discord answers with the message it already has.
The sale ends delivered, one DM, one key sold, two attempts.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import redis
import time_machine
from aiohttp import web
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import StockItem
from payments.registry import Outcome, dispatch
from runtime.models import BotRuntime
from sales import services
from sales import tasks as sales_tasks
from sales.fulfillment.services import STALE_AFTER
from sales.models import Delivery, Order, OrderStatus
from sandbox.discord.testing import DiscordSandbox
from tests.cluster.hosts import Forwarder, Host, TestNet, wait_until
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 15  # seconds, for this test's workers (production: 3600)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class HoldingSandbox(DiscordSandbox):
    """The Discord sandbox, able to hold the answer to the next delivery DM after storing it."""

    def __init__(self, host: str) -> None:
        super().__init__(host=host)
        self.armed, self.held, self.release = (threading.Event(), threading.Event(),
                                               threading.Event())
        self.held_from = ""

    def _build_app(self) -> web.Application:
        app = super()._build_app()
        app.middlewares.append(self._hold)
        return app

    @web.middleware
    async def _hold(self, request: web.Request, handler) -> web.StreamResponse:
        response = await handler(request)
        if request.method == "POST" and request.path.endswith("/messages") and \
                self.armed.is_set() and _delivery_nonce(response):
            self.armed.clear()
            self.held_from = request.remote or ""
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return response


def _delivery_nonce(response: web.StreamResponse) -> bool:
    try:
        return str(json.loads(response.body).get("nonce", "")).startswith("vd")
    except (AttributeError, TypeError, ValueError):
        return False


@pytest.fixture(scope="module")
def holding_sandbox(testnet: TestNet) -> Iterator[HoldingSandbox]:
    with HoldingSandbox(testnet.gateway) as sandbox:
        yield sandbox
        sandbox.release.set()


@pytest.fixture(scope="module")
def forwarders(testnet: TestNet) -> Iterator[dict[str, tuple[str, int]]]:
    db = django_settings.DATABASES["default"]
    broker = urlsplit(django_settings.REDIS_URL)
    pg = Forwarder((testnet.gateway, 0), (db.get("HOST") or "127.0.0.1",
                                          int(db.get("PORT") or 5432)))
    rd = Forwarder((testnet.gateway, 0), (broker.hostname or "127.0.0.1", broker.port or 6379))
    yield {"postgres": pg.address, "redis": rd.address}
    pg.close()
    rd.close()


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    client.flushdb()  # this run's own Redis database
    yield client
    client.flushdb()


def _worker_env(forwarders: dict, sandbox: DiscordSandbox) -> dict[str, str]:
    db = connection.settings_dict
    pg_host, pg_port = forwarders["postgres"]
    rd_host, rd_port = forwarders["redis"]
    redis_db = urlsplit(django_settings.REDIS_URL).path.lstrip("/") or "0"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://{user}{password}@{pg_host}:{pg_port}/{db['NAME']}",
            "REDIS_URL": f"redis://{rd_host}:{rd_port}/{redis_db}",
            "DISCORD_API_BASE_URL": f"{sandbox.url}/api",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}


@pytest.fixture
def worker_hosts(testnet, forwarders, holding_sandbox, broker) -> Iterator[list[Host]]:
    hosts = [testnet.add_host(name, index) for name, index in (("w1", 21), ("w2", 22))]
    try:
        env = _worker_env(forwarders, holding_sandbox)
        for host in hosts:
            host.popen([sys.executable, "-m", "celery", "-A", "config", "worker",
                        "-Q", "fulfillment", "--concurrency", "1", "-n", f"{host.name}@%h",
                        "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
                       log="worker.log", env=env, cwd=ROOT)
        for host in hosts:
            try:
                wait_until(lambda h=host: " ready." in h.log("worker.log", tail=400),
                           timeout=90, interval=0.2, what=f"the worker on {host.name}")
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{host.log('worker.log')}") from None
        yield hosts
    finally:
        for host in hosts:
            testnet.hosts.pop(host.name, None)
            host.destroy()


def _sale(sandbox: DiscordSandbox, shop, mp_sandbox) -> tuple[Order, str]:
    bot = sandbox.create_application("Worker hosts bot")
    guild = sandbox.create_guild("Worker hosts", [bot["id"]])
    buyer = sandbox.create_user("bruna")
    sandbox.add_member(guild["id"], buyer["id"])
    tenant = shop.tenant
    tenant.discord_guild_id = guild["id"]
    tenant.save(update_fields=["discord_guild_id"])
    BotRuntime.objects.update_or_create(tenant=tenant, defaults={"discord_token": bot["token"]})
    customer = f.customer(tenant, buyer["id"], "Bruna")
    variant = f.variant(f.product(tenant), keys=1)
    services.cart_add(customer=customer, variant_id=variant.pk, quantity=1)
    result = services.checkout(customer=customer)
    with transaction.atomic():  # as the webhook task applies it; deliver_order after commit
        dispatch(result.payment, Outcome.APPROVED)
    return result.order, buyer["id"]


def _task_id(broker: redis.Redis) -> str:
    """The id of the one message a worker holds unacknowledged."""
    entries = broker.hvals("unacked")
    assert len(entries) == 1, entries
    return json.loads(entries[0])[0]["headers"]["id"]


def test_a_worker_host_dies_mid_delivery_and_the_sale_is_delivered_once(
        worker_hosts, holding_sandbox, broker, shop, mp, cluster_report) -> None:  # noqa: F811
    sandbox = holding_sandbox
    sandbox.armed.set()
    order, buyer_id = _sale(sandbox, shop, mp)
    wait_until(sandbox.held.is_set, timeout=60, what="a worker's delivery DM")
    victim = next(h for h in worker_hosts if h.address == sandbox.held_from)
    survivor = next(h for h in worker_hosts if h is not victim)
    delivery = Delivery.objects.for_tenant(shop.tenant).get(order=order)
    assert (delivery.state, delivery.attempts) == (Delivery.State.RUNNING, 1)
    held_task = _task_id(broker)
    keys_before = sorted(broker.keys("*"))

    died_at = time.monotonic()
    victim.kill()  # the cable first, then every process: no FIN, no goodbye to Redis
    victim.destroy()
    sandbox.release.set()  # the held answer goes nowhere
    dms = [m for m in sandbox.dms(buyer_id) if "KEY-" in m["content"]]
    assert len(dms) == 1  # Discord has it; the platform does not know

    # 1. The unacknowledged message comes back to the survivor; the claim stops a second DM.
    done_line = f"sales.tasks.deliver_order[{held_task}] succeeded"
    try:
        wait_until(lambda: done_line in survivor.log("worker.log", tail=400),
                   timeout=VISIBILITY_TIMEOUT + 45, interval=0.5,
                   what="the redelivered task on the surviving host")
    except AssertionError as exc:
        state = {"unacked": broker.hlen("unacked"), "queue": broker.llen("fulfillment"),
                 "index": broker.zrange("unacked_index", 0, -1, withscores=True),
                 "mutex": broker.get("unacked_mutex"), "now": time.time(),
                 "keys": broker.keys("*"), "before": keys_before}
        raise AssertionError(f"{exc}\n{state}\n{survivor.log('worker.log', tail=8)}") from None
    redelivered = time.monotonic() - died_at
    assert broker.hlen("unacked") == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.RUNNING, 1)

    # 2. Beat's claim sweeper, once the claim is older than STALE_AFTER.
    with time_machine.travel(timezone.now() + STALE_AFTER + timedelta(minutes=1)):
        swept = sales_tasks.deliver_sweep()
    assert swept == 1
    wait_until(lambda: Order.objects.for_tenant(shop.tenant).get(pk=order.pk).status
               == OrderStatus.DELIVERED, timeout=60, what="the order delivered")
    recovered = time.monotonic() - died_at

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.DONE, 2)
    dms = [m for m in sandbox.dms(buyer_id) if "KEY-" in m["content"]]
    assert len(dms) == 1, dms
    sold = StockItem.objects.for_tenant(shop.tenant).filter(status=StockItem.Status.SOLD)
    assert sold.count() == 1 and dms[0]["content"].count(sold.get().content) == 1
    cluster_report(f"worker host {victim.name} killed mid-delivery: its message redelivered to "
                   f"{survivor.name} after {redelivered:.1f} s (visibility timeout "
                   f"{VISIBILITY_TIMEOUT} s; the claim made it a no-op), delivered by the claim "
                   f"sweeper {recovered:.1f} s after the death (clock moved past "
                   f"{int(STALE_AFTER.total_seconds())} s): DMs 1, keys sold 1, attempts 2")
