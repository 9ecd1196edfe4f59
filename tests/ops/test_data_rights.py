"""LGPD: a shop exports its data (no secrets, no other shop's rows); a buyer can be erased."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

import audit
from payments.registry import Outcome, dispatch
from sales import services
from sales.models import Customer, Order
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from wallet.models import LedgerTransaction


@pytest.fixture
def paid_order(shop, mp):  # noqa: F811
    product = f.product(shop.tenant, name="Chave Especial")
    variant = f.variant(product, price_cents=4200, keys=2)
    buyer = f.customer(shop.tenant, discord_user_id="987654321", name="Maria Compradora")
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    result = services.checkout(customer=buyer)
    dispatch(result.payment, Outcome.APPROVED)
    return result.order


def test_export_holds_the_shops_data_and_no_secrets(shop, other_shop, paid_order, tmp_path):
    f.customer(other_shop.tenant, discord_user_id="111222", name="Outra Loja Cliente")
    call_command("tenant_export", shop.tenant.slug, out=str(tmp_path))
    archive = zipfile.ZipFile(tmp_path / f"{shop.tenant.slug}-export.zip")
    names = set(archive.namelist())
    assert {"instance.json", "orders.json", "orders.csv", "customers.csv",
            "ledger_entries.json", "stock_items.json"} <= names
    orders = json.loads(archive.read("orders.json"))
    assert [o["code"] for o in orders] == [paid_order.code]
    everything = b"".join(archive.read(name) for name in names).decode()
    assert "Maria Compradora" in everything
    assert "Outra Loja Cliente" not in everything
    assert "KEY-" not in everything  # stock contents never leave through an export
    stock = json.loads(archive.read("stock_items.json"))
    assert stock and all("content" not in row for row in stock)


def test_export_of_unknown_slug_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="no instance"):
        call_command("tenant_export", "nope", out=str(tmp_path))


def test_buyer_erasure_keeps_the_books(shop, paid_order):
    customer = paid_order.customer
    audit.record(actor=None, tenant=shop.tenant, action="customer.block", target=customer,
                 data={"discord_user_id": customer.discord_user_id})
    call_command("buyer_erase", shop.tenant.slug, "987654321")
    customer = Customer.objects.for_tenant(shop.tenant).get(pk=customer.pk)
    assert customer.discord_user_id == f"erased-{customer.pk}" and customer.display_name == ""
    order = Order.objects.for_tenant(shop.tenant).get(pk=paid_order.pk)
    assert order.total_cents == 4200 and order.customer_id == customer.pk
    assert LedgerTransaction.objects.unscoped().filter(key__startswith="sale:").exists()
    from audit.models import AuditEvent

    named = AuditEvent.objects.filter(target_type="sales.customer", target_id=str(customer.pk))
    assert named.exists()
    assert all("987654321" not in json.dumps(e.data) and "Maria" not in e.target_repr
               for e in named)
    call_command("wallet_verify")


def test_erasing_an_unknown_buyer_changes_nothing(shop, paid_order):
    with pytest.raises(CommandError, match="no buyer"):
        call_command("buyer_erase", shop.tenant.slug, "000")
    assert Customer.objects.for_tenant(shop.tenant).get().display_name == "Maria Compradora"
