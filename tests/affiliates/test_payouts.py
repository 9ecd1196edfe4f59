"""An affiliate's commissions leave by PIX through the operators' withdrawal queue (the same
queue and decisions as a shop's), or to their store credit: one effect per request, nothing
beyond what they hold, and a debt from a reversed commission blocks both until covered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from affiliates import services
from affiliates.selectors import affiliate_stats
from tests.affiliates.conftest import _refund, _release
from tests.affiliates.test_commissions import earned
from tests.credit.conftest import balance
from wallet import services as wallet_services
from wallet.models import Withdrawal
from wallet.selectors import balances, ledger_verify, withdrawal_queue, withdrawals

EVP = "123e4567-e89b-42d3-a456-426614174000"


def _withdraw(affiliate, cents, key="w1"):
    return services.affiliate_withdraw(affiliate=affiliate, amount_cents=cents,
                                       pix_key_type="evp", pix_key=EVP, request_key=key)


def test_withdrawal_goes_to_the_operators_queue_and_is_paid_once(referred, operator,
                                                                 client_for):
    shop, affiliate, ana, _payment, _order = referred
    _release()
    shop.tenant.settings = {**shop.tenant.settings, "min_withdrawal_cents": 500}
    shop.tenant.save()
    w = _withdraw(affiliate, 600)
    assert _withdraw(affiliate, 600).pk == w.pk  # the same request: the same withdrawal
    assert earned(ana) == 400 and w.payee == f"customer:{ana.pk}"
    assert list(withdrawal_queue()) == [w]  # the operators' one queue
    queue = client_for(operator).get(reverse("admin:wallet_withdrawal_queue"))
    assert f"customer:{ana.pk}" in queue.content.decode()  # says whose it is
    assert list(withdrawals(tenant=shop.tenant)) == []  # not on the owner's wallet page
    with pytest.raises(services.AffiliateRefused) as short:
        _withdraw(affiliate, 500, key="w2")
    assert short.value.code == "commission_short"
    available = balances(tenant=shop.tenant).available
    page = client_for(operator).post(reverse("admin:wallet_withdrawal_approve", args=[w.pk]),
                                     {"reference": "E2E-AFF"})
    assert page.status_code == 302
    w.refresh_from_db()
    assert w.status == "paid" and w.reference == "E2E-AFF"
    assert balances(tenant=shop.tenant).available == available  # the shop paid at release
    stats = affiliate_stats(affiliate=affiliate)
    assert (stats.balance_cents, stats.withdrawn_cents, stats.withdrawing_cents) == (400, 600, 0)
    assert ledger_verify() == []


def test_a_rejected_withdrawal_comes_back_and_pays_a_debt_first(referred, operator):
    shop, affiliate, ana, payment, _order = referred
    _release()
    w = _withdraw(affiliate, 1000)
    _refund(shop, payment, 10000)  # the whole commission reversed while it is being paid out
    affiliate.refresh_from_db()
    assert affiliate.debt_cents == 1000 and earned(ana) == 0
    wallet_services.withdrawal_reject(withdrawal=w, actor=operator, reason="chave errada")
    assert earned(ana) == 1000  # back in commissions, still owed to the shop
    with pytest.raises(services.AffiliateRefused) as blocked:
        _withdraw(affiliate, 1000, key="w2")
    assert blocked.value.code == "commission_short"  # the returned money paid the debt first
    affiliate.refresh_from_db()
    assert affiliate.debt_cents == 0 and earned(ana) == 0
    assert ledger_verify() == []


def test_debt_blocks_withdrawal_until_new_commissions_cover_it(referred):
    shop, affiliate, ana, payment, _order = referred
    _release()
    services.affiliate_to_credit(affiliate=affiliate, amount_cents=1000, request_key="c1")
    assert balance(ana) == 1000
    _refund(shop, payment, 10000)
    affiliate.refresh_from_db()
    assert affiliate.debt_cents == 1000
    with pytest.raises(services.AffiliateRefused) as blocked:
        _withdraw(affiliate, 500)
    assert blocked.value.code == "affiliate_debt"
    assert not Withdrawal.objects.for_tenant(shop.tenant).exists()
    assert ledger_verify() == []


@pytest.mark.parametrize("bad", [0, -5, "abc", 10**12])
def test_bad_amounts_change_nothing(referred, bad):
    shop, affiliate, ana, _payment, _order = referred
    _release()
    with pytest.raises(services.AffiliateRefused):
        _withdraw(affiliate, bad)
    with pytest.raises(services.AffiliateRefused):
        services.affiliate_to_credit(affiliate=affiliate, amount_cents=bad, request_key="x")
    assert earned(ana) == 1000 and balance(ana) == 0
    assert not Withdrawal.objects.for_tenant(shop.tenant).exists()


def test_a_bad_pix_key_or_request_id_is_refused(referred):
    _shop, affiliate, ana, _payment, _order = referred
    _release()
    with pytest.raises(services.AffiliateRefused):
        services.affiliate_withdraw(affiliate=affiliate, amount_cents=600, pix_key_type="cpf",
                                    pix_key="111", request_key="k")
    with pytest.raises(services.AffiliateRefused):
        _withdraw(affiliate, 600, key="")
    assert earned(ana) == 1000
