"""Random sequences of top-ups (with bonuses), credit applied to orders and then settled or
given back, refunds to balances, top-up chargebacks, gift cards issued and redeemed, releases
and withdrawals: wallet_verify is clean after every step, and every buyer holds exactly what
the model says."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from wallet import credit as ledger
from wallet import selectors, services
from wallet.models import Withdrawal

pytestmark = pytest.mark.django_db
BUYERS = 3


class CreditMachine(RuleBasedStateMachine):
    shop = None
    operator = None

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # every example starts from the fixtures' state, rolled back
        self.ids = count(1)
        self.days = 0
        self.owed = [0] * BUYERS  # the model: what each buyer should hold
        self.orders: dict[int, tuple[int, int]] = {}  # unpaid order -> (buyer, reserved)
        self.topups: list[tuple[int, int, int]] = []  # buyer, payment id, amount
        self.cards: dict[int, int] = {}  # issued, unredeemed card -> value

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @property
    def tenant(self):
        return self.shop.tenant

    @staticmethod
    def holder(buyer: int) -> str:
        return ledger.customer_holder(10_000 + buyer)

    @rule(gross=st.integers(1, 50_000))
    def sale(self, gross):
        services.sale_record(tenant=self.tenant, payment_id=next(self.ids), gross_cents=gross,
                             method="pix")

    @rule(buyer=st.integers(0, BUYERS - 1), amount=st.integers(1, 30_000),
          bonus=st.integers(0, 5_000))
    def topup(self, buyer, amount, bonus):
        pid = next(self.ids)
        _txn, granted = ledger.topup_record(tenant=self.tenant, holder=self.holder(buyer),
                                            payment_id=pid, amount_cents=amount,
                                            bonus_cents=bonus)
        assert 0 <= granted <= bonus
        self.owed[buyer] += amount + granted
        self.topups.append((buyer, pid, amount))
        again = ledger.topup_record(tenant=self.tenant, holder=self.holder(buyer),
                                    payment_id=pid, amount_cents=amount, bonus_cents=bonus)
        assert again[1] == granted  # a replay posts nothing and says the same

    @rule(buyer=st.integers(0, BUYERS - 1), up_to=st.integers(1, 40_000))
    def checkout(self, buyer, up_to):
        order = next(self.ids)
        got = ledger.credit_apply(tenant=self.tenant, holder=self.holder(buyer),
                                  order_id=order, up_to_cents=up_to)
        assert got == min(up_to, self.owed[buyer])
        self.owed[buyer] -= got
        if got:
            self.orders[order] = (buyer, got)

    @rule(data=st.data(), paid=st.booleans())
    def order_ends(self, data, paid):
        if not self.orders:
            return
        order = data.draw(st.sampled_from(sorted(self.orders)))
        buyer, reserved = self.orders.pop(order)
        if paid:
            assert ledger.credit_settle(tenant=self.tenant, order_id=order) == reserved
        else:
            assert ledger.credit_return(tenant=self.tenant, holder=self.holder(buyer),
                                        order_id=order) == reserved
            self.owed[buyer] += reserved
        # Whichever came first, the other finds nothing left.
        assert ledger.credit_settle(tenant=self.tenant, order_id=order) == 0
        assert ledger.credit_return(tenant=self.tenant, holder=self.holder(buyer),
                                    order_id=order) == 0

    @rule(buyer=st.integers(0, BUYERS - 1), amount=st.integers(1, 20_000))
    def refund_to_balance(self, buyer, amount):
        key = f"refund:credit:order:{next(self.ids)}:1"
        for _replay in range(2):
            ledger.credit_refund(tenant=self.tenant, holder=self.holder(buyer), key=key,
                                 amount_cents=amount, reason="test")
        self.owed[buyer] += amount

    @rule(data=st.data(), chargeback=st.booleans())
    def topup_reversed(self, data, chargeback):
        if not self.topups:
            return
        buyer, pid, amount = self.topups.pop(data.draw(st.integers(0, len(self.topups) - 1)))
        key = f"{'chargeback' if chargeback else 'refund'}:topup:{pid}:0"
        ledger.topup_reverse(tenant=self.tenant, holder=self.holder(buyer), key=key,
                             amount_cents=amount, reason="test")
        self.owed[buyer] -= min(amount, self.owed[buyer])

    @rule(value=st.integers(1, 20_000))
    def giftcard_sold(self, value):
        pid, card = next(self.ids), next(self.ids)
        services.sale_record(tenant=self.tenant, payment_id=pid, gross_cents=value,
                             method="pix")
        ledger.giftcard_issue(tenant=self.tenant, card_holder=ledger.giftcard_holder(card),
                              value_cents=value, payment_id=pid)
        self.cards[card] = value

    @rule(data=st.data(), buyer=st.integers(0, BUYERS - 1), void=st.booleans())
    def giftcard_used(self, data, buyer, void):
        if not self.cards:
            return
        card = data.draw(st.sampled_from(sorted(self.cards)))
        value = self.cards.pop(card)
        holder = ledger.giftcard_holder(card)
        if void:
            assert ledger.giftcard_void(tenant=self.tenant, card_holder=holder) == value
        else:
            assert ledger.giftcard_redeem(tenant=self.tenant, card_holder=holder,
                                          holder=self.holder(buyer)) == value
            self.owed[buyer] += value
        with pytest.raises(ledger.CreditError):
            ledger.giftcard_redeem(tenant=self.tenant, card_holder=holder,
                                   holder=self.holder(buyer))

    @rule(days=st.integers(0, 8))
    def release(self, days):
        self.days += days
        services.releases_run(now=timezone.now() + timedelta(days=self.days))

    @rule(amount=st.integers(1000, 60_000), approve=st.booleans())
    def withdraw(self, amount, approve):
        try:
            w = services.withdrawal_request(tenant=self.tenant, actor=self.shop.owner,
                                            amount_cents=amount, pix_key_type="evp",
                                            pix_key="123e4567-e89b-42d3-a456-426614174000")
        except services.WalletError:
            return
        if approve:
            services.withdrawal_approve(withdrawal=w, actor=self.operator, reference="E2E")
        else:
            services.withdrawal_reject(withdrawal=w, actor=self.operator, reason="no")
        assert Withdrawal.objects.for_tenant(self.tenant).get(pk=w.pk).status != "pending"

    @invariant()
    def books_are_closed(self):
        with connection.cursor() as cursor:  # fire the deferred balance triggers now
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        assert selectors.ledger_verify() == []
        for buyer in range(BUYERS):
            assert ledger.credit_balance(tenant=self.tenant,
                                         holder=self.holder(buyer)) == self.owed[buyer]
        owed = ledger.credit_owed(tenant=self.tenant)
        assert owed["credit"] == sum(self.owed)
        assert owed["credit_reserved"] == sum(r for _b, r in self.orders.values())
        assert owed["giftcards"] == sum(self.cards.values())


def test_credit_state_machine(shop, operator):
    CreditMachine.shop, CreditMachine.operator = shop, operator
    run_state_machine_as_test(CreditMachine, settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
