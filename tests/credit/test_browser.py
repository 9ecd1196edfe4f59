"""The Saldo page and the order page's refund to the balance in a real browser, pt-BR and
English, with screenshots (copied to var/screens/credit/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from credit import giftcards
from sales import services
from tenants.models import User
from tenants.services import tenant_create
from tests.credit.conftest import balance, give_credit
from tests.sales import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens" / "credit"


@pytest.fixture
def owner() -> User:
    user = User.objects.create_user(username="dona", email="dona@example.com",
                                    password="senha-forte-123", first_name="Dona")
    tenant = tenant_create(owner=user, name="Loja Cristal")
    tenant.settings = {**tenant.settings, "credit_topup_enabled": True,
                       "credit_topup_min_cents": 1000, "credit_topup_max_cents": 50000,
                       "credit_bonus_percent": 5}
    tenant.save()
    card = f.variant(f.product(tenant, name="Vale-presente"), label="R$ 50", price_cents=5000)
    giftcards.giftcards_create(variant=card, actor=user, count=6)
    game = f.variant(f.product(tenant, name="Chave Steam"), label="Ouro", price_cents=3990,
                     keys=4)
    for i, (name, cents) in enumerate([("Alice Compradora", 12000), ("Bruno Lima", 4500),
                                       ("Carla Dias", 990)]):
        buyer = f.customer(tenant, discord_user_id=str(800 + i), name=name)
        give_credit(buyer, cents, payment_id=i + 1)
    from credit.models import TopUp
    from sales.models import Customer

    alice = Customer.objects.for_tenant(tenant).get(discord_user_id="800")
    for buyer, cents, bonus in ((alice, 10000, 500), (alice, 2000, 100)):
        TopUp.objects.create(tenant=tenant, customer=buyer, amount_cents=cents,
                             bonus_cents=bonus, bonus_granted_cents=bonus, status="credited")
    services.cart_add(customer=alice, variant_id=game.pk)
    services.checkout(customer=alice, use_credit=True)
    services.cart_add(customer=alice, variant_id=card.pk)
    services.checkout(customer=alice, use_credit=True)
    return user


def _shot(page, screenshot, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot(page, f"credit-{name}"), SCREENS / f"{name}.png")


def test_credit_page_and_refund_to_balance(page, live_server, owner, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "dona@example.com")
    page.fill("#id_password", "senha-forte-123")
    page.click("[data-testid=email-login]")
    page.wait_for_url("**/app/t/loja-cristal/")
    page.goto(f"{live_server.url}/app/t/loja-cristal/credit/")
    assert page.locator("[data-testid=credit-buyer-row]").count() == 3
    assert "R$" in page.locator("[data-testid=credit-owed] .value").inner_text()
    _shot(page, screenshot, "credit-pt-br")

    page.click("text=Pedidos")
    page.locator("table a").first.click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=order-credit]").count() == 1
    page.fill("[data-testid=credit-refund-form] #id_reason", "Troca pedida pelo cliente")
    page.fill("[data-testid=credit-refund-form] #id_amount", "10,00")
    _shot(page, screenshot, "order-refund-pt-br")
    page.click("[data-testid=credit-refund-submit]")
    page.wait_for_load_state()
    assert "R$ 10,00 voltou para o saldo" in page.content()

    page.context.add_cookies([{"name": "vitrine_language", "value": "en",
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/app/t/loja-cristal/credit/")
    assert page.locator("h1").inner_text() == "Store credit"
    _shot(page, screenshot, "credit-en")
    page.go_back()
    page.reload()
    _shot(page, screenshot, "order-refund-en")
    from sales.models import Customer

    alice = Customer.objects.unscoped().get(discord_user_id="800")
    assert balance(alice) == 12000 - 3990 - 5000 + 1000
