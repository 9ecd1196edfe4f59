"""Random sequences of sales, refunds, chargebacks, releases, withdrawals, cancellations,
approvals and rejections keep the ledger's invariants after every step."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tenants.models import Tenant
from wallet import selectors, services
from wallet.models import Withdrawal
from wallet.policy import fee_cents

pytestmark = pytest.mark.django_db
W = Withdrawal.Status


class LedgerMachine(RuleBasedStateMachine):
    shops: list = []
    operator = None

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # every example starts from the fixtures' state, rolled back
        self.ids = count(1)
        self.days = 0
        self.sales: list[tuple[Tenant, int, int]] = []  # tenant, payment id, net left to refund
        self.money = {shop.tenant.pk: 0 for shop in self.shops}  # what each tenant should hold

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def shop(self, i: int):
        return self.shops[i % len(self.shops)]

    @rule(i=st.integers(0, 1), gross=st.integers(1, 500_000), pix=st.booleans())
    def sale(self, i, gross, pix):
        tenant, pid = self.shop(i).tenant, next(self.ids)
        services.sale_record(tenant=tenant, payment_id=pid, gross_cents=gross,
                             method="pix" if pix else "card")
        net = gross - fee_cents(gross, tenant_fee(tenant))
        self.money[tenant.pk] += net
        self.sales.append((tenant, pid, gross))

    @rule(data=st.data(), chargeback=st.booleans())
    def reverse(self, data, chargeback):
        if not self.sales:
            return
        tenant, pid, gross = data.draw(st.sampled_from(self.sales))
        amount = data.draw(st.integers(1, gross))
        key = f"{'chargeback' if chargeback else 'refund'}:{next(self.ids)}"
        services.sale_reverse(tenant=tenant, key=key, amount_cents=amount, reason="test",
                              payment_id=pid)
        self.money[tenant.pk] -= amount

    @rule(i=st.integers(0, 1))
    def replay_a_sale(self, i):
        if self.sales:
            tenant, pid, gross = self.sales[i % len(self.sales)]
            services.sale_record(tenant=tenant, payment_id=pid, gross_cents=gross, method="pix")

    @rule(days=st.integers(0, 8))
    def release(self, days):
        self.days += days
        services.releases_run(now=timezone.now() + timedelta(days=self.days))

    @rule(i=st.integers(0, 1), amount=st.integers(-10, 600_000))
    def withdraw(self, i, amount):
        shop = self.shop(i)
        before = selectors.balances(tenant=shop.tenant)
        try:
            services.withdrawal_request(tenant=shop.tenant, actor=shop.owner,
                                        amount_cents=amount, pix_key_type="evp",
                                        pix_key="123e4567-e89b-42d3-a456-426614174000")
        except services.WalletError:
            assert selectors.balances(tenant=shop.tenant) == before
        else:
            assert 1000 <= amount <= before.available

    @rule(data=st.data(), action=st.sampled_from(["cancel", "approve", "reject"]))
    def decide(self, data, action):
        withdrawals = list(Withdrawal.objects.unscoped().order_by("pk"))
        if not withdrawals:
            return
        w = data.draw(st.sampled_from(withdrawals))
        try:
            if action == "cancel":
                services.withdrawal_cancel(withdrawal=w, actor=w.requested_by)
            elif action == "approve":
                services.withdrawal_approve(withdrawal=w, actor=self.operator, reference="E2E")
                self.money[w.tenant_id] -= w.amount_cents
            else:
                services.withdrawal_reject(withdrawal=w, actor=self.operator, reason="no")
        except services.WalletError:
            assert w.status != W.PENDING

    @invariant()
    def books_are_closed(self):
        with connection.cursor() as cursor:  # fire the deferred balance triggers now
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        assert selectors.ledger_verify() == []
        for shop in self.shops:
            b = selectors.balances(tenant=shop.tenant)
            assert b.total == self.money[shop.tenant.pk]
            assert b.pending >= 0 and b.withdrawing >= 0
            pending = Withdrawal.objects.for_tenant(shop.tenant).filter(status=W.PENDING)
            assert b.withdrawing == sum(w.amount_cents for w in pending)


def tenant_fee(tenant):
    from wallet.policy import wallet_policy

    return wallet_policy(tenant).fee_percent


def test_ledger_state_machine(shop, other_shop, operator):
    LedgerMachine.shops, LedgerMachine.operator = [shop, other_shop], operator
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
