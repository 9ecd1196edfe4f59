"""A whole platform on loopback whose parts can be broken: the fault matrix and the soak.

Everything is real and private to one run, so a fault hurts nobody else's tests:
- PostgreSQL: a private cluster (`initdb` as the postgres user, its own port and socket dir),
  loaded from a dump of a migrated template database on the machine's server (a copy, not 90 s
  of migrations); restarting it never touches the shared server.
- Redis: a private `redis-server` on a free port, no persistence (a restart loses every queued
  message, the worst case).
- gunicorn (the web: webhooks) and Celery workers (queues default and fulfillment) as
  subprocesses, each in its own process group (SIGKILL of the group = a worker host dying).
- The Discord sandbox (fault switches: outage of 500s/429s, holds) and the Mercado Pago
  sandbox in this process; the platform reaches Mercado Pago through a loopback TCP `Link` that
  can be cut (connection refused) and restored on the same port.

This process plays beat: `sweep()` runs the product's own sweeps (payments reconcile, stuck
webhook events, deliveries left behind or stale). Their windows (2-15 minutes in production)
are passed as `now=`/`older_than=` arguments, i.e. the sweep runs as it would once the window
had passed; nothing else about time is faked.

`audit()` counts what the matrix asserts: orders lost (paid at the provider but not
delivered), deliveries doubled (buyers with more than one DM of their key), credits doubled
(more than one sale posting per payment), plus `wallet_verify`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks._harness import free_port, wait_http  # noqa: E402

TOKEN = "TEST-faults-stack"
SECRET = "sandbox-webhook-secret"  # the Mercado Pago sandbox's default for TEST- tokens
MEMBERS_INTENT = 1 << 1
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), Path("/usr/bin"))


def wait_until(check, timeout: float, what: str, interval: float = 0.1):
    """Poll `check` until truthy (its value), or RuntimeError naming `what`."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
        pause.wait(interval)


# --- private servers ---------------------------------------------------------------------
class PrivateRedis:
    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.dir), "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(self._pong, 20, "the private redis")

    def _pong(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class PrivatePostgres:
    """A cluster of our own under `root`, run as the postgres user (root cannot run it)."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "pg"
        self.port = free_port()
        self.user = "postgres"

    def _as_postgres(self, *argv: str) -> None:
        entry = pwd.getpwnam(self.user)

        def demote() -> None:
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)

        subprocess.run(list(argv), check=True, stdout=subprocess.DEVNULL,
                       preexec_fn=demote if os.geteuid() == 0 else None)

    def init(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, self.user, self.user)
            self.dir.parent.chmod(0o755)  # mkdtemp's 0700 would keep postgres out
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust",
                          "-U", "postgres", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-o", options,
                          "-l", str(self.dir / "log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                              mode, "-w", "-t", "60", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def load_from(self, template_url: str, name: str) -> str:
        """A database `name` holding a copy of `template_url`'s schema and rows."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        dump = subprocess.Popen([str(PG_BIN / "pg_dump"), "--no-owner", "-d", template_url],
                                stdout=subprocess.PIPE)
        subprocess.run([str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d",
                        self.url(name)], stdin=dump.stdout, check=True,
                       stdout=subprocess.DEVNULL)
        if dump.wait() != 0:
            raise RuntimeError("pg_dump of the template failed")
        return self.url(name)


def migrated_template(server_url: str) -> str:
    """`<db>_faults_template` on the machine's server, kept migrated (a no-op when current)."""
    import psycopg

    parts = urlsplit(server_url)
    name = f"{parts.path.lstrip('/') or 'vitrine'}_faults_template"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(parts._replace(path=f"/{name}"))
    if not _migrated(url):
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                       cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, check=True)
    return url


def _migrated(url: str) -> bool:
    """Every migration file on disk is recorded as applied (then `migrate` would do nothing,
    and its few seconds of start-up are saved)."""
    import psycopg

    on_disk = {(path.parent.parent.name, path.stem)
               for path in ROOT.glob("*/migrations/[0-9]*.py")}
    try:
        with psycopg.connect(url) as conn:
            applied = set(conn.execute("SELECT app, name FROM django_migrations").fetchall())
    except psycopg.Error:
        return False
    return on_disk <= applied


# --- a loopback link that can be cut --------------------------------------------------------
class Link:
    """TCP proxy 127.0.0.1:port -> target. `down()`: the port refuses connections and open
    ones are cut (the service is gone); `up()`: it listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, name="link", daemon=True).start()
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _pipe(self, reader, writer) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()

    async def _handle(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port,
                                                  reuse_address=True)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()

    def up(self) -> None:
        self._run(self._start())

    def down(self) -> None:
        self._run(self._stop())

    def close(self) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)


# --- the stack ---------------------------------------------------------------------------
class PaymentPending(Exception):
    """The order exists; its payment could not be created (the provider is down)."""

    def __init__(self, order, user_id: str, customer_id: int) -> None:
        super().__init__("payment_unavailable")
        self.order, self.user_id, self.customer_id = order, user_id, customer_id


@dataclass
class Sale:
    order_id: int
    payment_id: int | None
    provider_payment_id: str | None
    user_id: str
    customer_id: int
    key: str = ""
    approved_at: float | None = None


@dataclass
class Stack:
    root: Path
    worker_concurrency: int = 4
    web_workers: int = 2
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    argv: dict[str, list[str]] = field(default_factory=dict)
    # Processes that exited on their own and were started again (compose: restart:
    # unless-stopped), by name; a SIGKILL from kill() is a host's death, not restarted.
    restarts: dict[str, int] = field(default_factory=dict)

    def _stage(self, name: str) -> None:
        now = time.monotonic()
        print(f"stack: {name} {now - self._t0:.1f}s", file=sys.stderr, flush=True)

    def start(self) -> Stack:
        self._t0 = time.monotonic()
        self.run = uuid.uuid4().hex[:8]
        server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vitrine")
        template = migrated_template(server_url)
        self.redis = PrivateRedis(self.root)
        self.redis.start()
        self.pg = PrivatePostgres(self.root)
        self.pg.init()
        self.pg.start()
        db_url = self.pg.load_from(template, "vitrine")
        self._stage("postgres and redis ready")

        from sandbox.discord.testing import DiscordSandbox, point_discord_py_at
        from sandbox.mercadopago.store import SandboxConfig
        from sandbox.mercadopago.testing import MercadoPagoSandbox

        self.sb = DiscordSandbox().start()
        # Mercado Pago retries a refused webhook (5 s, 15 s, 60 s in production; faster here).
        self.mp = MercadoPagoSandbox(SandboxConfig(retry_schedule=[1.0, 2.0, 5.0, 10.0],
                                                   webhook_timeout=10.0)).start()
        self.mp_link = Link(urlsplit(self.mp.url).port)
        point_discord_py_at(self.sb.url)
        self.web_port = free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        os.environ.update({
            "DATABASE_URL": db_url, "REDIS_URL": self.redis.url, "DEBUG": "0", "HTTPS": "0",
            "STATIC_MANIFEST": "0", "LOG_LEVEL": "error", "PUBLIC_URL": self.base,
            "MERCADOPAGO_API_BASE_URL": self.mp_link.url, "MERCADOPAGO_ACCESS_TOKEN": TOKEN,
            "MERCADOPAGO_WEBHOOK_SECRET": SECRET, "DISCORD_API_BASE_URL": f"{self.sb.url}/api",
            "GUNICORN_WORKERS": str(self.web_workers),
            "VAR_DIR": str(self.root / "var")})
        import django

        django.setup()
        from django.conf import settings

        # This process is beat: the reconcile window is the sweep's `now`, not 3 minutes.
        settings.PAYMENTS_RECONCILE_AFTER_SECONDS = 0
        self.start_web()
        self.start_worker()
        wait_http(f"{self.base}/healthz", timeout=180)
        self._stage("web answering")
        self._stopping = threading.Event()
        threading.Thread(target=self._supervise, name="supervisor", daemon=True).start()
        return self

    def _supervise(self) -> None:
        """Like compose's `restart: unless-stopped`: an exited web or worker starts again."""
        while not self._stopping.wait(0.5):
            for name, proc in list(self.procs.items()):
                if proc.poll() is not None and self.procs.get(name) is proc:
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self._spawn(name, self.argv[name])

    # --- processes ---------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        self.argv[name] = argv
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 (the child owns it)
        proc = subprocess.Popen(argv, cwd=ROOT, env=os.environ.copy(), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_web(self) -> None:
        self._spawn("web", [sys.executable, "-m", "gunicorn", "-c",
                            str(ROOT / "deploy/gunicorn.conf.py"), "-b",
                            f"127.0.0.1:{self.web_port}", "--access-logfile", "/dev/null",
                            "config.wsgi"])

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self._spawn(name, [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q",
            "default,fulfillment", "-c", str(self.worker_concurrency), "-l", "warning",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h"])

    def kill(self, name: str) -> None:
        """SIGKILL the process group: the host of that process died, children and all."""
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        if hasattr(self, "_stopping"):
            self._stopping.set()
        steps = [lambda name=name: self.kill(name) for name in list(self.procs)]
        steps += [getattr(getattr(self, part, None), "stop", None) for part in ("sb", "mp")]
        steps += [getattr(getattr(self, "mp_link", None), "close", None), self._close_db]
        if hasattr(self, "pg"):
            steps.append(lambda: self.pg.stop("immediate"))
        steps.append(getattr(getattr(self, "redis", None), "stop", None))
        for step in filter(None, steps):
            try:
                step()
            except Exception as exc:  # one failing step must not leave the rest running
                print(f"cleanup: {type(exc).__name__}: {exc}", file=sys.stderr)

    @staticmethod
    def _close_db() -> None:
        from django.db import connections

        connections.close_all()

    # --- the shop and its sales --------------------------------------------------------
    def shop(self, keys: int) -> None:
        from catalog.models import Product, Variant
        from runtime.models import BotRuntime
        from tenants.models import PlanVersion, Subscription, User
        from tenants.services import tenant_create

        app = self.sb.create_application("Faults Shop Bot", intents=MEMBERS_INTENT)
        self.guild = self.sb.create_guild("Faults Shop", [app["id"]])
        self.bot = app
        owner = User.objects.create_user(username=f"faults-{self.run}",
                                         email=f"faults-{self.run}@example.com")
        self.tenant = tenant_create(owner=owner, name=f"Faults {self.run}")
        pro = PlanVersion.objects.filter(plan__slug="pro").order_by("-version").first()
        Subscription.objects.for_tenant(self.tenant).update(plan_version=pro,
                                                            status=Subscription.Status.ACTIVE)
        self.tenant.discord_guild_id = self.guild["id"]
        self.tenant.save(update_fields=["discord_guild_id"])
        BotRuntime.objects.update_or_create(tenant=self.tenant,
                                            defaults={"discord_token": app["token"]})
        product = Product.objects.create(tenant=self.tenant, name="Chave Faults")
        self.variant = Variant.objects.create(tenant=self.tenant, product=product,
                                              label="Global", price_cents=1990)
        self.add_stock(keys)
        self._buyers = 0
        self._buyers_lock = threading.Lock()
        self._ready: collections.deque = collections.deque()

    def add_stock(self, keys: int) -> None:
        from catalog.services import stock_add

        start = getattr(self, "_keys", 0)
        for first in range(start, start + keys, 5000):  # stock_add takes 10,000 at most
            stock_add(variant=self.variant, actor=None,
                      lines=[f"VTRF{self.run}K{i:06d}"
                             for i in range(first, min(first + 5000, start + keys))])
        self._keys = start + keys

    @property
    def key_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"VTRF{self.run}K\d{{6}}")

    def prepare_buyer(self) -> None:
        """A buyer ready to shop: a sandbox user, a member of the guild, a customer row."""
        from sales import services

        with self._buyers_lock:
            self._buyers += 1
            number = self._buyers
        user = self.sb.create_user(f"buyer{number:05d}")
        self.sb.add_member(self.guild["id"], user["id"])
        customer = services.customer_upsert(tenant=self.tenant, discord_user_id=user["id"],
                                            display_name=f"Buyer {number}")
        self._ready.append((user["id"], customer))

    def checkout(self, retry_for: float = 0.0) -> Sale:
        """A buyer buys one key. A refused payment (`payment_unavailable`: the provider is
        down) is asked again, as the bot's button does, for `retry_for` seconds; with 0 it
        raises PaymentPending, carrying the order to ask for later."""
        from sales import services
        from sales.errors import SalesError

        try:
            user_id, customer = self._ready.popleft()
        except IndexError:
            self.prepare_buyer()
            user_id, customer = self._ready.popleft()
        services.cart_add(customer=customer, variant_id=self.variant.pk, quantity=1)
        try:
            result = services.checkout(customer=customer)
            order, payment = result.order, result.payment
        except SalesError as exc:
            if exc.code != "payment_unavailable":
                raise
            order = self._latest_order(customer)
            if not retry_for:
                raise PaymentPending(order, user_id, customer.pk) from exc
            payment = self._pay_when_up(order, retry_for)
        return Sale(order_id=order.pk, payment_id=payment.pk,
                    provider_payment_id=payment.provider_payment_id, user_id=user_id,
                    customer_id=customer.pk)

    def _latest_order(self, customer):
        from sales.models import Order

        return Order.objects.for_tenant(self.tenant).filter(customer=customer).latest("pk")

    def _pay_when_up(self, order, timeout: float):
        from sales import services
        from sales.errors import SalesError

        def attempt():
            try:
                return services.order_request_payment(order=order)
            except SalesError as exc:
                if exc.code != "payment_unavailable":
                    raise
                return None

        return wait_until(attempt, timeout, "the payment to be created", interval=0.5)

    def approve(self, sale: Sale) -> None:
        sale.approved_at = time.monotonic()
        self.mp.approve(sale.provider_payment_id)

    # --- beat -------------------------------------------------------------------------
    def sweep(self, *, dead_since=None) -> dict[str, int]:
        """Beat's sweeps, run here as if their waiting windows were over: deliveries never
        attempted (2 min), orders whose deliveries finished unsettled (2 min), webhook events
        not applied (2 min), open payments (3 min). Each
        is safe early: the work it re-enqueues is claimed conditionally, or re-read from the
        provider. `dead_since` (a wall-clock datetime: when a worker was killed): the stale
        claims sweep runs as 15 minutes after it, for the rows claimed before it only (early,
        it would take a live worker's claim)."""
        from django.utils import timezone

        from payments import services as payments
        from payments.tasks import apply_webhook_event
        from sales.fulfillment import services as fulfillment
        from sales.tasks import deliver_delivery

        later = timezone.now() + fulfillment.LEFT_BEHIND_AFTER
        left = fulfillment.deliveries_left_behind(now=later)
        if dead_since is not None:
            left += fulfillment.deliveries_stale(now=dead_since + fulfillment.STALE_AFTER)
        for tenant_id, delivery_id in left:
            deliver_delivery.delay(tenant_id, delivery_id)
        # A worker killed after its delivery finished, before settling the order (2 min).
        unsettled = fulfillment.orders_unsettled(now=later)
        for tenant_id, order_id in unsettled:
            fulfillment.order_settle(tenant_id=tenant_id, order_id=order_id)
        stuck = payments.webhook_events_stuck(older_than=timedelta(0))
        for event_id in stuck:
            apply_webhook_event.delay(event_id)
        counts = payments.payments_reconcile()
        return {"deliveries": len(left), "orders_settled": len(unsettled),
                "events": len(stuck), **counts}

    # --- what the faults must not do ---------------------------------------------------
    def delivered(self, sales: list[Sale]) -> int:
        from sales.models import Order

        return Order.objects.for_tenant(self.tenant).filter(
            pk__in=[s.order_id for s in sales], status="delivered").count()

    def dm_keys(self, sale: Sale) -> list[str]:
        return [k for dm in self.sb.dms(sale.user_id)
                for k in self.key_pattern.findall(dm["content"])]

    def audit(self, sales: list[Sale],
              dm_keys: dict[str, list[str]] | None = None) -> dict[str, int]:
        from catalog.models import StockItem
        from payments.models import Payment
        from sales.models import Order
        from wallet.models import LedgerTransaction
        from wallet.selectors import ledger_verify

        keys = {}
        for item in StockItem.objects.for_tenant(self.tenant).filter(
                order_ref__in=[s.order_id for s in sales]):
            keys.setdefault(str(item.order_ref), []).append(item.content)
        lost = doubled = wrong = 0
        for sale in sales:
            got = dm_keys[sale.user_id] if dm_keys is not None else self.dm_keys(sale)
            own = keys.get(str(sale.order_id), [])
            lost += len(got) == 0
            doubled += len(got) > 1
            wrong += bool(got) and got[0] not in own
        statuses = dict(Order.objects.for_tenant(self.tenant).filter(
            pk__in=[s.order_id for s in sales]).values_list("pk", "status"))
        payment_ids = [s.payment_id for s in sales if s.payment_id]
        postings = LedgerTransaction.objects.unscoped().filter(
            key__in=[f"sale:{pk}" for pk in payment_ids]).count()
        approved = Payment.objects.unscoped().filter(pk__in=payment_ids,
                                                     status="approved").count()
        return {
            "orders": len(sales),
            "orders_lost": sum(statuses.get(s.order_id) != "delivered" for s in sales),
            "buyers_without_dm": lost,
            "deliveries_doubled": doubled,
            "wrong_key": wrong,
            "payments_approved": approved,
            "sale_postings": postings,
            "credits_doubled": max(0, postings - approved),
            "ledger_problems": len(ledger_verify()),
        }

    def diagnose(self, sales: list[Sale]) -> dict:
        """Where the sales are stuck: order, payment, webhook event and delivery states."""
        from collections import Counter

        from payments.models import Payment, WebhookEvent
        from sales.models import Delivery, Order

        ids = [s.order_id for s in sales]
        return {
            "orders": dict(Counter(Order.objects.for_tenant(self.tenant).filter(
                pk__in=ids).values_list("status", flat=True))),
            "payments": dict(Counter(Payment.objects.unscoped().filter(
                pk__in=[s.payment_id for s in sales]).values_list("status", flat=True))),
            "events": dict(Counter(WebhookEvent.objects.filter(
                data_id__in=[str(s.provider_payment_id) for s in sales]).values_list(
                "state", flat=True))),
            "deliveries": dict(Counter(Delivery.objects.for_tenant(self.tenant).filter(
                order_id__in=ids).values_list("state", flat=True))),
            "dms": sum(len(self.dm_keys(s)) for s in sales),
            # The history of each order left short of delivered: which step never came.
            "stuck": {order.code: [f"{e.from_status}>{e.to_status} {e.actor}: {e.reason}"
                                   for e in order.events.order_by("at", "pk")]
                      for order in Order.objects.for_tenant(self.tenant).filter(
                          pk__in=ids).exclude(status="delivered")},
        }

    def settle(self, sales: list[Sale], timeout: float, sweep_every: float = 2.0,
               dead_since=None) -> float:
        """Until every sale is delivered (sweeping like beat meanwhile); the seconds it took."""
        from django.db import DatabaseError

        self._close_db()  # a connection from before a PostgreSQL restart is dead
        started = time.monotonic()
        last_sweep = [0.0]

        def done() -> bool:
            if time.monotonic() - last_sweep[0] >= sweep_every:
                last_sweep[0] = time.monotonic()
                with contextlib.suppress(Exception):
                    self.sweep(dead_since=dead_since)
            # "delivered" is recorded after Discord took the DM; audit() reads the DMs.
            try:
                return self.delivered(sales) == len(sales)
            except DatabaseError:  # our own connection died with a PostgreSQL restart
                self._close_db()
                return False

        try:
            wait_until(done, timeout, f"{len(sales)} sales to be delivered", interval=0.25)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {self.diagnose(sales)}") from None
        return time.monotonic() - started
