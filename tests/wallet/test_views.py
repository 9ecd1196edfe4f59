"""Carteira pages and the operators' queue: ownership, roles, bad input, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_user
from wallet import selectors, services
from wallet.models import Withdrawal

pytestmark = pytest.mark.django_db
EVP = "123e4567-e89b-42d3-a456-426614174000"


def url(name, shop, *args):
    return reverse(f"portal:{name}", args=[shop.tenant.slug, *args])


def withdrawal(shop, amount=5000):
    return services.withdrawal_request(tenant=shop.tenant, actor=shop.owner, amount_cents=amount,
                                       pix_key_type="evp", pix_key=EVP)


@pytest.mark.parametrize("name", ["wallet", "wallet_statement"])
def test_pages_owner_and_members_ok_others_404(funded, other_shop, outsider, client_for, name):
    for user in (funded.owner, funded.manager, funded.viewer):
        response = client_for(user).get(url(name, funded))
        assert response.status_code == 200
        assert b"R$200.00" in response.content or name == "wallet_statement"
    for user in (outsider, other_shop.owner):
        assert client_for(user).get(url(name, funded)).status_code == 404


def test_wallet_page_shows_balances_chart_releases_and_history(funded, client_for):
    services.sale_record(tenant=funded.tenant, payment_id=2, gross_cents=1000, method="card")
    withdrawal(funded)
    html = client_for(funded.owner).get(url("wallet", funded),
                                        HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for testid in ("balance-available", "balance-pending", "daily-chart", "upcoming-releases",
                   "withdraw-form", "withdrawal-row", "statement-row"):
        assert f'data-testid="{testid}"' in html
    assert "<rect" in html and "R$150.00" in html and "R$9.50" in html


def test_owner_requests_a_withdrawal(funded, client_for):
    response = client_for(funded.owner).post(url("wallet_withdraw", funded), {
        "amount": "150,00", "pix_key_type": "cpf", "pix_key": "529.982.247-25"})
    assert response.status_code == 302
    assert selectors.balances(tenant=funded.tenant).withdrawing == 15000


@pytest.mark.parametrize(("amount", "key_type", "key"), [
    ("-10,00", "evp", EVP), ("0", "evp", EVP), ("10,005", "evp", EVP), ("abc", "evp", EVP),
    ("5,00", "evp", EVP), ("500,00", "evp", EVP), ("20,00", "cpf", "111.111.111-11"),
    ("20,00", "email", "nope"),
])
def test_bad_withdrawals_show_an_error_and_post_nothing(funded, client_for, amount, key_type,
                                                        key):
    response = client_for(funded.owner).post(url("wallet_withdraw", funded), {
        "amount": amount, "pix_key_type": key_type, "pix_key": key})
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert selectors.balances(tenant=funded.tenant).withdrawing == 0


def test_only_the_owner_writes(funded, other_shop, outsider, client_for):
    w = withdrawal(funded)
    data = {"amount": "20,00", "pix_key_type": "evp", "pix_key": EVP}
    for user in (funded.viewer, funded.manager):
        assert client_for(user).post(url("wallet_withdraw", funded), data).status_code == 403
        assert client_for(user).post(url("wallet_withdrawal_cancel", funded, w.pk)
                                     ).status_code == 403
    for user in (outsider, other_shop.owner):
        assert client_for(user).post(url("wallet_withdraw", funded), data).status_code == 404
    assert Withdrawal.objects.for_tenant(funded.tenant).get().status == "pending"


def test_cancel_own_pending_withdrawal(funded, client_for):
    w = withdrawal(funded)
    client = client_for(funded.owner)
    assert client.post(url("wallet_withdrawal_cancel", funded, w.pk)).status_code == 302
    assert selectors.balances(tenant=funded.tenant).available == 20000
    client.post(url("wallet_withdrawal_cancel", funded, w.pk))  # twice: an error, no posting
    assert selectors.balances(tenant=funded.tenant).available == 20000


def test_acting_on_another_tenants_withdrawal_is_404(funded, other_shop, client_for):
    services.sale_record(tenant=other_shop.tenant, payment_id=77, gross_cents=10000,
                         method="pix")
    services.releases_run(now=timezone.now() + timedelta(days=2))
    theirs = withdrawal(other_shop)
    response = client_for(funded.owner).post(url("wallet_withdrawal_cancel", funded, theirs.pk))
    assert response.status_code == 404
    assert Withdrawal.objects.for_tenant(other_shop.tenant).get().status == "pending"


def test_statement_filters_and_csv(funded, client_for):
    services.sale_reverse(tenant=funded.tenant, key="refund:1", amount_cents=100, reason="r")
    client = client_for(funded.owner)
    page = client.get(url("wallet_statement", funded), {"kind": "refund"})
    assert page.content.count(b'data-testid="statement-row"') == 1
    export = client.get(url("wallet_statement", funded), {"format": "csv"},
                        HTTP_ACCEPT_LANGUAGE="en")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][0] == "Date" and len(rows) == 1 + 4  # sale, release (2), refund
    assert "-1.00" in {row[4] for row in rows} and {row[3] for row in rows[1:]} == {"BRL"}


def test_decision_is_shown_once_to_the_owner(funded, operator, client_for):
    w = withdrawal(funded)
    services.withdrawal_reject(withdrawal=w, actor=operator, reason="Chave de outra pessoa")
    client = client_for(funded.owner)
    assert "Chave de outra pessoa" in client.get(url("wallet", funded)).content.decode()
    assert not Withdrawal.objects.for_tenant(funded.tenant).get().owner_unseen


# --- Admin --------------------------------------------------------------------------------------
def test_admin_queue_approve_and_reject(funded, operator, client_for):
    a, b = withdrawal(funded), withdrawal(funded)
    client = client_for(operator)
    page = client.get(reverse("admin:wallet_withdrawal_queue"))
    assert page.status_code == 200 and page.content.count(b'data-testid="queue-row"') == 2
    assert b"R$100.00" in page.content  # the queue's total
    client.post(reverse("admin:wallet_withdrawal_approve", args=[a.pk]), {"reference": "E2E9"})
    client.post(reverse("admin:wallet_withdrawal_reject", args=[b.pk]), {"reason": "wrong"})
    statuses = dict(Withdrawal.objects.for_tenant(funded.tenant).values_list("pk", "status"))
    assert statuses == {a.pk: "paid", b.pk: "rejected"}
    client.post(reverse("admin:wallet_withdrawal_approve", args=[a.pk]), {"reference": "E2E9"})
    assert services.platform_account("payouts").balance_cents == 5000  # approving twice: once
    totals = client.get(reverse("admin:wallet_totals"))
    assert totals.status_code == 200 and b"platform-totals" in totals.content


def test_monitor_operator_reads_but_cannot_decide(funded, monitor, client_for):
    w = withdrawal(funded)
    client = client_for(monitor)
    page = client.get(reverse("admin:wallet_withdrawal_queue"))
    assert page.status_code == 200 and b'data-testid="read-only"' in page.content
    assert b'data-testid="approve"' not in page.content
    response = client.post(reverse("admin:wallet_withdrawal_approve", args=[w.pk]),
                           {"reference": "E2E"})
    assert response.status_code == 403
    assert Withdrawal.objects.for_tenant(funded.tenant).get().status == "pending"
    for name in ("wallet_entry_changelist", "wallet_account_changelist", "wallet_totals",
                 "wallet_ledgertransaction_changelist", "wallet_withdrawal_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200


def test_admin_is_staff_only(funded, client_for):
    user = make_user("notstaff")
    response = client_for(user).get(reverse("admin:wallet_withdrawal_queue"))
    assert response.status_code == 302
