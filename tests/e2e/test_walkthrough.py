"""The README's 5-minute walkthrough, clicked in chromium on the processes `make run` starts.

`make run` itself runs (benchmarks/_stack.py): migrate and load_demo on SQLite in a temporary
VAR_DIR, then honcho with the Procfile: runserver, Celery worker and beat on kombu's
filesystem broker, the Discord and Mercado Pago sandboxes; nothing of the test suite's
PostgreSQL or Redis. Then, as a newcomer would:

1. the owner clicks "Continuar com o Discord", picks "Lojista Demo" and lands on loja-demo;
2. on Bot, clicks "Iniciar" (the demo already has the sandbox's token and guild);
3. in the buyer console (sandbox, :8600/console) Alice runs /loja, picks Bronze, "Comprar",
   opens her cart thread and clicks "Simular pagamento" on the PIX message;
4. her DMs show the key; the owner's Pedidos shows the order delivered, Carteira the money;
5. Ctrl-C on `make run` stops everything, the shop's bot included: no process is left.

Every wait is Playwright's (DOM events) or reads honcho's output line by line, within a
deadline; screenshots in pt-BR and English go to var/test-artifacts/walkthrough-*.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks._stack import MakeRun

pytestmark = [pytest.mark.browser]
WAIT_MS = 60_000  # one step (a bot answer, a delivery, a page) on a loaded CI machine


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[MakeRun]:
    run = MakeRun(tmp_path_factory.mktemp("make-run"))
    try:
        run.start()
        yield run
    finally:
        print("\n".join(run.lines[-120:]))  # make run's output, shown when the test fails
        run.kill()  # whatever the test left running (normally nothing: it stops it)


def _bot_state(stack: MakeRun) -> dict:
    files = list((stack.var_dir / "runtime").glob("*/*.json"))
    return json.loads(files[0].read_text()) if files else {}


def _pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_walkthrough_on_make_run(stack: MakeRun, browser, screenshot) -> None:
    owner_ctx = browser.new_context(viewport={"width": 1360, "height": 860}, locale="pt-BR")
    owner = owner_ctx.new_page()
    owner.set_default_timeout(WAIT_MS)
    buyer_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR")
    buyer = buyer_ctx.new_page()
    buyer.set_default_timeout(WAIT_MS)
    try:
        shop = _owner_signs_in_and_starts_the_bot(stack, owner, screenshot)
        code, _key = _buyer_pays_in_the_console(stack, buyer, screenshot)
        _owner_sees_order_and_wallet(stack, owner, shop, code, screenshot)
        _english_screens(stack, owner, shop, code, screenshot)
    finally:
        owner_ctx.close()
        buyer_ctx.close()

    bot = _bot_state(stack)
    assert bot and _pid_alive(int(bot["pid"])), "the shop's bot should be running"
    assert stack.stop() != 0  # make reports the interrupt
    assert not _pid_alive(int(bot["pid"])), "the shop's bot outlived make run"
    assert stack.leftovers() == [], "processes of make run are still running"


def _owner_signs_in_and_starts_the_bot(stack: MakeRun, page, screenshot) -> str:
    page.goto(f"{stack.web}/accounts/login/")
    screenshot(page, "walkthrough-01-login-pt-br")
    page.click("[data-testid=discord-login]")
    page.wait_for_url(f"{stack.discord}/oauth2/authorize**")
    screenshot(page, "walkthrough-02-discord-consent")
    page.get_by_role("button", name=re.compile("Lojista Demo")).click()
    page.wait_for_url(f"{stack.web}/app/t/loja-demo/")
    assert "Olá, Dona Demo" in page.inner_text("h1")
    screenshot(page, "walkthrough-03-dashboard-pt-br")

    shop = f"{stack.web}/app/t/loja-demo"
    page.goto(f"{shop}/bot/")
    with page.expect_navigation():
        page.click("[data-testid=bot-start]")
    assert "Iniciando seu bot" in page.inner_text("main")  # the controller takes it from here
    screenshot(page, "walkthrough-04-bot-starting-pt-br")
    return shop


def _buyer_pays_in_the_console(stack: MakeRun, page, screenshot) -> tuple[str, str]:
    page.goto(f"{stack.discord}/console")
    page.wait_for_selector("#user option", state="attached")
    alice = page.locator("#user option", has_text="@alice").get_attribute("value")
    page.select_option("#user", alice)
    # The bot registers /loja when it connects: the console lists it once it is there.
    page.wait_for_function("() => [...document.querySelectorAll('#command option')]"
                           ".some(o => o.textContent.startsWith('/loja '))")
    page.select_option("#command", label=page.locator("#command option", has_text="/loja ")
                       .first.inner_text())
    page.locator("#channels .ch", has_text="# loja").click()
    page.click("#run")

    card = page.locator("#log .msg", has_text="Chave Steam Aleatória").last
    card.wait_for()
    screenshot(page, "walkthrough-05-console-loja")
    card.locator("select").select_option(label="Bronze")
    # Each click is answered (the console awaits the interaction's outcome) before the next.
    with page.expect_response(lambda r: "/_sandbox/interactions/" in r.url and "wait=" in r.url):
        card.get_by_role("button", name="Escolha uma opção").click()
    card = page.locator("#log .msg", has_text="Chave Steam Aleatória").last
    card.get_by_role("button", name="Comprar").click()

    # The order goes to Alice's private cart thread; the pointer names the order.
    pointer = page.locator("#log .msg", has_text=re.compile(r"Pedido [A-Z0-9]+ criado")).last
    pointer.wait_for()
    code = re.search(r"Pedido ([A-Z0-9]+) criado", pointer.inner_text()).group(1)
    page.locator("#channels .ch", has_text="Carrinho").click()
    pix = page.locator("#log .msg", has_text=f"Pedido {code}").last
    simulate = pix.get_by_role("button", name="Simular pagamento")
    simulate.wait_for()
    screenshot(page, "walkthrough-06-console-pix")
    simulate.click()
    page.locator("#log .msg", has_text="Entregue!").last.wait_for()

    page.locator("#channels .ch", has_text="Direct messages").click()
    dm = page.locator("#log .msg", has_text=f"#{code}").last
    dm.wait_for()
    key = re.search(r"DEMO-BRONZE-\d{4}-XKCD", dm.inner_text()).group(0)
    screenshot(page, "walkthrough-07-console-dm")
    return code, key


def _owner_sees_order_and_wallet(stack: MakeRun, page, shop: str, code: str,
                                 screenshot) -> None:
    page.goto(f"{shop}/orders/")
    row = page.locator("[data-testid=order-row]", has_text=code)
    assert "Entregue" in row.inner_text()
    screenshot(page, "walkthrough-08-orders-pt-br")
    page.goto(f"{shop}/wallet/")
    pending = page.locator("[data-testid=balance-pending] .value").inner_text()
    assert re.sub(r"\s", " ", pending) != "R$ 0,00", pending  # the sale, held for release
    screenshot(page, "walkthrough-09-wallet-pt-br")
    page.goto(f"{shop}/bot/")
    assert page.locator("[data-testid=bot-state]").get_attribute("data-state") == "running"
    screenshot(page, "walkthrough-10-bot-running-pt-br")


def _english_screens(stack: MakeRun, page, shop: str, code: str, screenshot) -> None:
    page.context.add_cookies([{"name": "vitrine_language", "value": "en", "url": stack.web}])
    for name, path in (("dashboard", "/"), ("orders", "/orders/"), ("wallet", "/wallet/"),
                       ("bot", "/bot/")):
        page.goto(f"{shop}{path}")
        screenshot(page, f"walkthrough-{name}-en")
    page.goto(f"{shop}/orders/")
    assert "Delivered" in page.locator("[data-testid=order-row]", has_text=code).inner_text()
