"""Random sequences of top-ups (with bonuses), credit applied to orders and then settled or
given back, refunds to balances, top-up chargebacks, gift cards issued and redeemed, releases
and withdrawals; and affiliates' commissions: posted at release, reversed pro rata by partial
refunds of their sales (a debt when already taken out), moved to store credit, withdrawn by PIX
through the operators' queue (paid or rejected later). wallet_verify is clean after every step,
and every buyer and affiliate holds exactly what the model says."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from affiliates.services import reversal_target
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
        self.earned = [0] * BUYERS  # the model: each affiliate's commissions balance
        self.debt = [0] * BUYERS
        # A referred sale: payment id -> [affiliate, gross, commission, refunded, reversed,
        # posted]
        self.referred: dict[int, list] = {}
        self.payouts: dict[int, tuple[int, int]] = {}  # pending withdrawal -> (affiliate, cents)

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

    # -- affiliates -------------------------------------------------------------------------
    @rule(affiliate=st.integers(0, BUYERS - 1), gross=st.integers(100, 50_000),
          percent=st.integers(1, 50))
    def referred_sale(self, affiliate, gross, percent):
        pid = next(self.ids)
        services.sale_record(tenant=self.tenant, payment_id=pid, gross_cents=gross,
                             method="pix")
        self.referred[pid] = [affiliate, gross, gross * percent // 100 or 1, 0, 0, False]

    @rule(data=st.data())
    def commission_released(self, data):
        waiting = sorted(p for p, r in self.referred.items() if not r[5])
        if not waiting:
            return
        pid = data.draw(st.sampled_from(waiting))
        row = self.referred[pid]
        affiliate, earned = row[0], row[2] - row[4]
        pay = earned - min(self.debt[affiliate], earned)
        if pay and not ledger.commission_post(tenant=self.tenant, key=f"commission:{pid}",
                                              holder=self.holder(affiliate), amount_cents=pay):
            return  # the shop's available balance is short: not released yet
        self.debt[affiliate] -= earned - pay
        self.earned[affiliate] += pay
        row[5] = True

    @rule(data=st.data(), part=st.integers(1, 20_000))
    def partial_refund(self, data, part):
        """Part of a referred sale refunded: the sale reversed by that much, its commission
        brought down to the floored running share (affiliates.services.reversal_target)."""
        open_ = sorted(p for p, r in self.referred.items() if r[3] < r[1])
        if not open_:
            return
        pid = data.draw(st.sampled_from(open_))
        row = self.referred[pid]
        affiliate, gross, amount = row[0], row[1], row[2]
        cents = min(part, gross - row[3])
        services.sale_reverse(tenant=self.tenant, key=f"refund:{pid}:{row[3]}",
                              amount_cents=cents, reason="part", payment_id=pid)
        row[3] += cents
        target = reversal_target(amount_cents=amount, refunded_cents=row[3], paid_cents=gross)
        delta = target - row[4]
        assert delta >= 0 and target <= amount
        if delta and row[5]:
            debt = ledger.commission_reverse(tenant=self.tenant, holder=self.holder(affiliate),
                                             key=f"commission:{pid}:reverse:{target}",
                                             amount_cents=delta)
            taken = min(delta, self.earned[affiliate])
            assert debt == delta - taken
            self.earned[affiliate] -= taken
            self.debt[affiliate] += debt
        row[4] = target
        if row[3] == gross:
            assert row[4] == amount  # refunded in full: the whole commission, never more

    @rule(affiliate=st.integers(0, BUYERS - 1), amount=st.integers(1, 5_000))
    def commission_to_credit(self, affiliate, amount):
        key = f"affiliate:{affiliate}:credit:{next(self.ids)}"
        if amount > self.earned[affiliate]:
            with pytest.raises(ledger.CreditError):
                ledger.commission_to_credit(tenant=self.tenant, key=key, amount_cents=amount,
                                            holder=self.holder(affiliate))
            return
        for _replay in range(2):
            ledger.commission_to_credit(tenant=self.tenant, key=key, amount_cents=amount,
                                        holder=self.holder(affiliate))
        self.earned[affiliate] -= amount
        self.owed[affiliate] += amount

    @rule(affiliate=st.integers(0, BUYERS - 1), amount=st.integers(1000, 8_000))
    def affiliate_withdraw(self, affiliate, amount):
        if amount > self.earned[affiliate]:
            return  # affiliates.services refuses it before the ledger (test_payouts)
        key = f"req-{next(self.ids)}"
        w, created = ledger.payout_request(tenant=self.tenant, holder=self.holder(affiliate),
                                           amount_cents=amount, pix_key_type="evp",
                                           pix_key="123e4567-e89b-42d3-a456-426614174000",
                                           request_key=key)
        again, twice = ledger.payout_request(
            tenant=self.tenant, holder=self.holder(affiliate), amount_cents=amount,
            pix_key_type="evp", pix_key="123e4567-e89b-42d3-a456-426614174000",
            request_key=key)
        assert created and not twice and again.pk == w.pk
        self.earned[affiliate] -= amount
        self.payouts[w.pk] = (affiliate, amount)

    @rule(data=st.data(), approve=st.booleans())
    def affiliate_withdrawal_decided(self, data, approve):
        if not self.payouts:
            return
        pk = data.draw(st.sampled_from(sorted(self.payouts)))
        affiliate, amount = self.payouts.pop(pk)
        w = Withdrawal.objects.for_tenant(self.tenant).get(pk=pk)
        if approve:
            services.withdrawal_approve(withdrawal=w, actor=self.operator, reference="E2E")
        else:
            services.withdrawal_reject(withdrawal=w, actor=self.operator, reason="no")
            self.earned[affiliate] += amount

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
        for affiliate in range(BUYERS):
            assert ledger.commission_balance(tenant=self.tenant,
                                             holder=self.holder(affiliate)) == \
                self.earned[affiliate]
        assert owed["commissions"] == sum(self.earned)
        assert owed["commissions_out"] == sum(a for _f, a in self.payouts.values())


def test_credit_state_machine(shop, operator):
    CreditMachine.shop, CreditMachine.operator = shop, operator
    run_state_machine_as_test(CreditMachine, settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
