"""One set of accounts per currency (issue 23 item 4), and sales settled at the provider (a
shop's own Mercado Pago account): balances, reversals, releases and the ledger check never add
amounts across currencies; the settled books close with the fee given back in proportion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from wallet import selectors, services, settled
from wallet.models import Account, AccountKind, Hold, SettledSale

pytestmark = pytest.mark.django_db
K = AccountKind


def _platform(kind: str, currency: str) -> int:
    found = Account.objects.unscoped().filter(tenant=None, kind=kind, currency=currency).first()
    return found.balance_cents if found else 0


def test_sales_in_two_currencies_keep_their_own_accounts(shop, check_constraints):
    tenant = shop.tenant
    services.sale_record(tenant=tenant, payment_id=1, gross_cents=10000, method="pix",
                         fee_percent=Decimal("5"))
    services.sale_record(tenant=tenant, payment_id=2, gross_cents=2000, method="card",
                         fee_percent=Decimal("5"), currency="USD")
    check_constraints()
    assert selectors.balances(tenant=tenant).pending == 9500
    assert selectors.balances(tenant=tenant, currency="USD").pending == 1900
    assert selectors.balances(tenant=tenant, currency="EUR").total == 0
    assert (_platform(K.CLEARING, "BRL"), _platform(K.CLEARING, "USD")) == (10000, 2000)
    assert (_platform(K.FEES, "BRL"), _platform(K.FEES, "USD")) == (500, 100)
    assert Hold.objects.for_tenant(tenant).get(payment_id=2).currency == "USD"
    assert selectors.ledger_verify() == []

    # A refund of the dollar sale is in dollars: its own pending, never the reais'.
    services.sale_reverse(tenant=tenant, key="refund:9", amount_cents=700, reason="r",
                          payment_id=2)
    check_constraints()
    assert selectors.balances(tenant=tenant, currency="USD").pending == 1200
    assert selectors.balances(tenant=tenant).pending == 9500
    assert _platform(K.REFUNDS, "USD") == 700 and _platform(K.REFUNDS, "BRL") == 0
    assert services.reversed_cents(keys=["refund:9"]) == {"refund:9": 700}

    # Releases move each hold within its currency.
    later = timezone.now() + timedelta(days=30)
    assert services.releases_run(now=later) == 2
    assert selectors.balances(tenant=tenant, currency="USD").available == 1200
    assert selectors.balances(tenant=tenant).available == 9500
    assert selectors.ledger_verify() == []


def test_a_posting_never_mixes_currencies(shop):
    brl = services.platform_account(K.CLEARING)
    usd = services.platform_account(K.FEES, "USD")
    with pytest.raises(services.LedgerError):
        services.post(key="mixed", entries=[(brl, 100), (usd, -100)])


def test_a_settled_sale_books_the_fee_and_gives_it_back_in_proportion(shop, check_constraints):
    tenant = shop.tenant
    settled.settled_sale_record(tenant=tenant, payment_id=5, gross_cents=1000, fee=50,
                                method="pix")
    check_constraints()
    assert selectors.balances(tenant=tenant).total == 0  # nothing held, nothing to withdraw
    assert settled.settled_account(tenant).balance_cents == 950
    assert (_platform(K.CLEARING, "BRL"), _platform(K.FEES, "BRL")) == (1000, 50)
    assert not Hold.objects.for_tenant(tenant).exists()
    assert selectors.ledger_verify() == []
    # Replays post nothing twice.
    settled.settled_sale_record(tenant=tenant, payment_id=5, gross_cents=1000, fee=50,
                                method="pix")
    assert SettledSale.objects.for_tenant(tenant).count() == 1

    settled.settled_sale_reverse(tenant=tenant, key="refund:1", amount_cents=333, reason="r",
                                 payment_id=5)
    check_constraints()
    assert _platform(K.FEES, "BRL") == 50 - 17  # 5% of 333 = 16.65 -> 17 back
    assert settled.settled_account(tenant).balance_cents == 950 - (333 - 17)
    assert selectors.ledger_verify() == []
    settled.settled_sale_reverse(tenant=tenant, key="chargeback:payment:5", amount_cents=667,
                                 reason="cb", payment_id=5)
    check_constraints()
    # The whole sale reversed: exactly the whole fee back, nothing left anywhere.
    assert _platform(K.FEES, "BRL") == 0 and settled.settled_account(tenant).balance_cents == 0
    assert _platform(K.REFUNDS, "BRL") == 1000
    sale = SettledSale.objects.for_tenant(tenant).get()
    assert (sale.reversed_cents, sale.fee_returned_cents) == (1000, 50)
    assert selectors.ledger_verify() == []
    with pytest.raises(services.LedgerError):
        settled.settled_sale_reverse(tenant=tenant, key="refund:2", amount_cents=1,
                                     reason="too much", payment_id=5)


def test_the_wallet_reversal_refuses_a_settled_sale(shop):
    settled.settled_sale_record(tenant=shop.tenant, payment_id=6, gross_cents=1000, fee=50,
                                method="pix")
    with pytest.raises(services.LedgerError):
        services.sale_reverse(tenant=shop.tenant, key="refund:3", amount_cents=100,
                              reason="r", payment_id=6)


def test_ledger_verify_checks_settled_balances_against_their_sales(shop, check_constraints,
                                                                    plant):
    settled.settled_sale_record(tenant=shop.tenant, payment_id=7, gross_cents=1000, fee=50,
                                method="pix")
    check_constraints()
    plant("UPDATE wallet_settledsale SET reversed_cents = 100 WHERE payment_id = 7")
    problems = selectors.ledger_verify()
    assert any("settled" in p and "950" in p for p in problems), problems


def test_the_wallet_page_shows_each_currency_apart(shop, client_for):
    from money import format_money

    tenant = shop.tenant
    services.sale_record(tenant=tenant, payment_id=11, gross_cents=2000, method="card",
                         fee_percent=Decimal("5"), currency="EUR")
    settled.settled_sale_record(tenant=tenant, payment_id=12, gross_cents=1000, fee=50,
                                method="pix")
    page = client_for(shop.owner).get(f"/app/t/{tenant.slug}/wallet/").content.decode()
    assert 'data-testid="wallet-currencies"' in page
    assert 'data-currency="EUR"' in page and format_money(1900, "EUR") in page
    assert 'data-currency="BRL"' in page and format_money(950, "BRL") in page
    # The reais stats above are reais only: the euro sale is not added to them.
    assert selectors.balances(tenant=tenant).pending == 0


def _two_currency_sales(tenant) -> None:
    services.sale_record(tenant=tenant, payment_id=21, gross_cents=10000, method="pix",
                         fee_percent=Decimal("5"))
    services.sale_record(tenant=tenant, payment_id=22, gross_cents=2000, method="card",
                         fee_percent=Decimal("5"), currency="USD")


def test_the_statement_filters_by_currency_and_its_csv_follows(shop, client_for):
    import csv
    import io

    from money import format_money

    tenant = shop.tenant
    _two_currency_sales(tenant)
    client = client_for(shop.owner)
    url = f"/app/t/{tenant.slug}/wallet/statement/"
    everything = client.get(url).content.decode()
    assert everything.count('data-testid="statement-row"') == 2
    dollars = client.get(url, {"currency": "USD"}).content.decode()
    assert dollars.count('data-testid="statement-row"') == 1
    # Each amount in its own currency, through the one formatter; the balances per currency.
    assert f"+{format_money(1900, 'USD')}" in dollars
    assert format_money(9500, "BRL") not in dollars
    assert 'data-testid="statement-books"' in dollars and 'data-book="USD"' in dollars
    assert 'data-book="BRL"' not in dollars
    assert format_money(9500, "BRL") in everything and 'data-book="BRL"' in everything
    export = client.get(url, {"currency": "USD", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][3:5] == ["Currency", "Amount"]
    assert [(row[3], row[4]) for row in rows[1:]] == [("USD", "19.00")]
    reais = list(csv.reader(io.StringIO(client.get(
        url, {"currency": "BRL", "format": "csv"}).content.decode())))
    assert [(row[3], row[4]) for row in reais[1:]] == [("BRL", "95.00")]


@pytest.mark.parametrize("bad", ["XYZ", "usd", "BRL,USD", "' OR 1=1"])
def test_a_bad_currency_filter_is_a_400(shop, client_for, bad):
    _two_currency_sales(shop.tenant)
    response = client_for(shop.owner).get(f"/app/t/{shop.tenant.slug}/wallet/statement/",
                                          {"currency": bad})
    assert response.status_code == 400
    assert b'data-testid="statement-filters"' in response.content


def test_the_chart_and_releases_never_add_dollars_to_reais(shop, client_for):
    from money import format_money

    tenant = shop.tenant
    _two_currency_sales(tenant)  # R$ 95,00 and US$ 19,00 to the shop
    assert sum(cents for _day, cents in selectors.daily_net_sales(tenant=tenant)) == 9500
    assert sum(cents for _day, cents in selectors.daily_net_sales(
        tenant=tenant, currency="USD")) == 1900
    releases = selectors.upcoming_releases(tenant=tenant)
    assert sorted((r["currency"], r["total"]) for r in releases) == [("BRL", 9500),
                                                                      ("USD", 1900)]
    page = client_for(shop.owner).get(f"/app/t/{tenant.slug}/wallet/").content.decode()
    assert format_money(11400, "BRL") not in page  # the mixed sum appears nowhere
    assert f'data-currency="USD">{format_money(1900, "USD")}' in page
