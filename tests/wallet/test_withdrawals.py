"""Withdrawals: request, cancel, approve, reject; every bad input posts nothing."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from wallet import selectors, services
from wallet.models import LedgerTransaction, Withdrawal
from wallet.pix_keys import cnpj_is_valid, cpf_is_valid, pix_key_normalize

pytestmark = pytest.mark.django_db
CPF = "529.982.247-25"


def request(shop, amount=5000, key_type="cpf", key=CPF):
    return services.withdrawal_request(tenant=shop.tenant, actor=shop.owner, amount_cents=amount,
                                       pix_key_type=key_type, pix_key=key)


def postings() -> int:
    return LedgerTransaction.objects.unscoped().count()


def test_request_then_approve(funded, operator):
    w = request(funded)
    assert w.pix_key == "52998224725"
    assert selectors.balances(tenant=funded.tenant) == selectors.Balances(available=15000,
                                                                          withdrawing=5000)
    services.withdrawal_approve(withdrawal=w, actor=operator, reference="E2E123")
    w.refresh_from_db()
    assert (w.status, w.reference, w.owner_unseen) == ("paid", "E2E123", True)
    assert selectors.balances(tenant=funded.tenant).withdrawing == 0
    assert services.platform_account("payouts").balance_cents == 5000
    actions = set(AuditEvent.objects.filter(tenant=funded.tenant).values_list("action",
                                                                              flat=True))
    assert {"wallet.withdrawal.request", "wallet.withdrawal.paid"} <= actions
    assert selectors.ledger_verify() == []


def test_cancel_and_reject_return_the_money(funded, operator):
    a, b = request(funded), request(funded)
    services.withdrawal_cancel(withdrawal=a, actor=funded.owner)
    services.withdrawal_reject(withdrawal=b, actor=operator, reason="Key belongs to someone else")
    assert selectors.balances(tenant=funded.tenant) == selectors.Balances(available=20000)
    assert Withdrawal.objects.for_tenant(funded.tenant).get(pk=b.pk).reason.startswith("Key")
    notices = services.withdrawal_notices_seen(tenant=funded.tenant)
    assert [w.pk for w in notices] == [b.pk]  # the owner's own cancel is no news to them
    assert services.withdrawal_notices_seen(tenant=funded.tenant) == []


@pytest.mark.parametrize(("amount", "message"), [
    (-100, "greater than zero"), (0, "greater than zero"), ("12.5", "whole centavos"),
    ("abc", "as a number"), (999, "minimum"), (20001, "at most"),
])
def test_bad_amounts_post_nothing(funded, amount, message):
    before = postings()
    with pytest.raises(services.WalletError, match=message):
        request(funded, amount=amount)
    assert postings() == before
    assert not Withdrawal.objects.for_tenant(funded.tenant).exists()


def test_minimum_is_configurable(funded):
    funded.tenant.settings = {"min_withdrawal_cents": 5000}
    with pytest.raises(services.WalletError, match="minimum"):
        request(funded, amount=4999)
    request(funded, amount=5000)


def test_debt_blocks_withdrawals(funded):
    services.sale_reverse(tenant=funded.tenant, key="chargeback:1", amount_cents=20001,
                          reason="cb")
    with pytest.raises(services.WalletError, match="negative"):
        request(funded, amount=1000)


def test_invalid_pix_key_posts_nothing(funded):
    before = postings()
    with pytest.raises(services.WalletError, match="CPF"):
        request(funded, key="123.456.789-00")
    assert postings() == before


def test_approving_twice_and_rejecting_a_paid_one_fail(funded, operator):
    w = request(funded)
    services.withdrawal_approve(withdrawal=w, actor=operator, reference="E2E1")
    before = postings()
    with pytest.raises(services.WalletError, match="already paid"):
        services.withdrawal_approve(withdrawal=w, actor=operator, reference="E2E2")
    with pytest.raises(services.WalletError, match="rejected"):
        services.withdrawal_reject(withdrawal=w, actor=operator, reason="oops")
    with pytest.raises(services.WalletError, match="cancelled"):
        services.withdrawal_cancel(withdrawal=w, actor=funded.owner)
    assert postings() == before


def test_approve_needs_reference_and_reject_needs_reason(funded, operator):
    w = request(funded)
    with pytest.raises(services.WalletError, match="reference"):
        services.withdrawal_approve(withdrawal=w, actor=operator, reference="  ")
    with pytest.raises(services.WalletError, match="why"):
        services.withdrawal_reject(withdrawal=w, actor=operator, reason="")


@pytest.mark.parametrize(("kind", "raw", "normal"), [
    ("cpf", "529.982.247-25", "52998224725"),
    ("cnpj", "11.222.333/0001-81", "11222333000181"),
    ("email", " Dona@Example.com ", "dona@example.com"),
    ("phone", "(11) 91234-5678", "+5511912345678"),
    ("phone", "+55 21 3456-7890", "+552134567890"),
    ("evp", "123E4567-E89B-42D3-A456-426614174000", "123e4567-e89b-42d3-a456-426614174000"),
])
def test_valid_pix_keys_are_normalised(kind, raw, normal):
    assert pix_key_normalize(key_type=kind, value=raw) == normal


@pytest.mark.parametrize(("kind", "raw"), [
    ("cpf", "111.111.111-11"), ("cpf", "529.982.247-26"), ("cpf", "1234"),
    ("cnpj", "11.222.333/0001-82"), ("cnpj", "00000000000000"),
    ("email", "not-an-email"), ("phone", "+1 202 555 0100"), ("phone", "1234"),
    ("evp", "not-a-uuid"), ("bogus", "x"),
])
def test_invalid_pix_keys_are_refused(kind, raw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        pix_key_normalize(key_type=kind, value=raw)


def test_check_digit_helpers():
    assert cpf_is_valid("52998224725") and not cpf_is_valid("52998224724")
    assert cnpj_is_valid("11222333000181") and not cnpj_is_valid("11222333000180")
