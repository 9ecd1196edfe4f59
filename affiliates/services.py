"""Writes of affiliates: joining (/afiliado), using a code, commissions recorded when a referred
order is paid, posted to the affiliate's commissions (wallet.credit) when the sale's hold is
released, reversed pro rata on partial refunds and in full on a refund or chargeback; and the
affiliate's way out: to their store credit, or by PIX through the operators' queue.
Link attribution (a click on the affiliate's link, then a cart) is in affiliates.links.

A commission row is the one lock both the release and a refund take (`SELECT ... FOR UPDATE`),
so a refund racing the release ends in exactly one of: cancelled (nothing posted) or posted
then reversed (both postings, once each, by key).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from affiliates.models import Affiliate, Commission, Referral
from money import format_money
from sales.errors import SalesError
from sales.models import Customer, Order, OrderLine
from wallet import credit as ledger
from wallet import services as wallet_services
from wallet.models import Hold, LedgerTransaction, Withdrawal

# Lazy: sales renders its errors late, in the shop's language.
REFUSALS = {"self_referral": gettext_lazy("You cannot use your own affiliate code.")}
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_PERCENT = 50
MAX_PRODUCT_PERCENT = 100  # a product may pay more than the shop's cap (a launch, a bundle)


class AffiliateRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def program(tenant: Any) -> tuple[bool, int, dict[str, int]]:
    """(enabled, shop percent, per-product percent overrides) from `tenant.settings`."""
    raw = getattr(tenant, "settings", None) or {}

    def pct(value: Any, top: int = MAX_PERCENT) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            return 0
        return number if 0 <= number <= top else 0

    overrides = raw.get("affiliate_product_percent") or {}
    return (bool(raw.get("affiliate_enabled")), pct(raw.get("affiliate_percent")),
            {str(k): pct(v, MAX_PRODUCT_PERCENT) for k, v in overrides.items()}
            if isinstance(overrides, dict) else {})


def affiliate_join(*, customer: Customer) -> Affiliate:
    """The buyer's affiliate record (code made once)."""
    if not program(customer.tenant)[0]:
        raise AffiliateRefused("affiliates_disabled",
                               _("This shop has no affiliate program."))
    existing = Affiliate.objects.for_tenant(customer.tenant_id).filter(customer=customer).first()
    while existing is None:
        code = "".join(secrets.choice(ALPHABET) for _i in range(8))
        try:
            with transaction.atomic():
                existing = Affiliate.objects.create(tenant=customer.tenant, customer=customer,
                                                    code=code)
        except IntegrityError:  # a code taken (or a double click): look again
            existing = Affiliate.objects.for_tenant(customer.tenant_id).filter(
                customer=customer).first()
    return existing


@transaction.atomic
def referral_use(*, customer: Customer, code: str) -> Affiliate:
    """The buyer used an affiliate's code (at checkout, in the coupon field, or a link)."""
    affiliate = (Affiliate.objects.for_tenant(customer.tenant_id)
                 .filter(code=(code or "").strip().upper()[:16]).first())
    if affiliate is None or not program(customer.tenant)[0]:
        raise AffiliateRefused("affiliate_unknown", _("This affiliate code is not valid."))
    if affiliate.customer_id == customer.pk:
        raise AffiliateRefused("self_referral", _("You cannot use your own affiliate code."))
    Referral.objects.for_tenant(customer.tenant_id).update_or_create(
        tenant=customer.tenant, customer=customer, defaults={"affiliate": affiliate})
    Affiliate.objects.for_tenant(customer.tenant_id).filter(pk=affiliate.pk).update(
        clicks=F("clicks") + 1)
    return affiliate


def coupon_field_code(customer: Customer, code: str) -> bool:
    """sales' code handler: an affiliate code typed in the coupon field attributes the buyer to
    that affiliate. An unknown code (or a shop with no program) is not ours: sales says "coupon
    not found"; a refusal (their own code) is shown to the buyer."""
    try:
        referral_use(customer=customer, code=code)
    except AffiliateRefused as refused:
        if refused.code == "affiliate_unknown":
            return False
        raise SalesError("code_refused", reason=REFUSALS.get(refused.code, str(refused))) \
            from refused
    return True


def commission_cents(order: Order) -> int:
    """Each line at its product's percent (or the shop's), on what was paid; rounded down."""
    _enabled, percent, overrides = program(order.tenant)
    total = 0
    for line in (OrderLine.objects.for_tenant(order.tenant_id).filter(order=order)
                 .select_related("variant")):
        pct = overrides.get(str(line.variant.product_id), percent)
        total += line.line_total_cents * pct // 100
    return total


def on_order_paid(sender: Any, order: Order, **_kwargs: Any) -> None:
    enabled, _percent, _overrides = program(order.tenant)
    referral = (Referral.objects.for_tenant(order.tenant_id).select_related("affiliate")
                .filter(customer_id=order.customer_id).first())
    if not enabled or referral is None or referral.affiliate.customer_id == order.customer_id:
        return
    amount = commission_cents(order)
    if amount > 0:
        Commission.objects.for_tenant(order.tenant_id).get_or_create(
            tenant=order.tenant, order=order,
            defaults={"affiliate": referral.affiliate, "amount_cents": amount})


def _sale_released(order: Order) -> bool:
    """Every sale posting of the order (its payment's, its credit's) has its hold released."""
    from payments.models import Payment  # below us; the order's payments by payable id

    payments = Payment.objects.for_tenant(order.tenant_id).filter(
        payable_id=order.pk, payable_type=ContentType.objects.get_for_model(Order))
    keys = [f"sale:{p.pk}" for p in payments] + [f"credit:spend:order:{order.pk}"]
    txns = list(LedgerTransaction.objects.unscoped().filter(key__in=keys)
                .values_list("pk", flat=True))
    if not txns:
        return False
    return not Hold.objects.for_tenant(order.tenant_id).filter(
        transaction_id__in=txns, released_at__isnull=True).exists()


def commissions_release_run(*, limit: int = 500) -> int:
    ids = list(Commission.objects.unscoped().filter(status=Commission.Status.PENDING)
               .order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if commission_release(commission_id=pk))


def _holder(affiliate: Affiliate) -> str:
    return ledger.customer_holder(affiliate.customer_id)


@transaction.atomic
def commission_release(*, commission_id: int) -> bool:
    row = Commission.objects.unscoped().select_related("order__tenant").get(pk=commission_id)
    tenant = row.order.tenant
    commission = (Commission.objects.for_tenant(tenant).select_for_update()
                  .select_related("order", "affiliate").get(pk=commission_id))
    if commission.status != Commission.Status.PENDING or not _sale_released(commission.order):
        return False
    affiliate = (Affiliate.objects.for_tenant(tenant).select_for_update()
                 .get(pk=commission.affiliate_id))
    earned = commission.earned_cents  # partial refunds before the release took their share
    pay = earned - min(affiliate.debt_cents, earned)
    if pay and not ledger.commission_post(tenant=tenant, key=f"commission:{commission.pk}",
                                          amount_cents=pay, holder=_holder(affiliate)):
        return False  # the shop's available balance is short now; the next run tries again
    affiliate.debt_cents -= earned - pay
    affiliate.save(update_fields=["debt_cents"])
    commission.status, commission.posted_at = Commission.Status.POSTED, timezone.now()
    commission.save(update_fields=["status", "posted_at"])
    audit.record(actor=None, tenant=tenant, action="affiliates.commission.post",
                 target=commission, data={"amount": commission.amount_cents, "earned": earned,
                                          "paid": pay})
    return True


def reversal_target(*, amount_cents: int, refunded_cents: int, paid_cents: int) -> int:
    """How much of a commission of `amount` is reversed once `refunded` of the `paid` order
    is given back: pro rata, rounded down (floor). A running total, not a per-refund share:
    each partial refund reverses target(after) - target(before), so the reversals add up to
    at most the commission, equal to it exactly when the order is refunded in full, and the
    same refunds in any grouping reverse the same total. The affiliate keeps a fraction of a
    centavo until the last refund (never the shop losing one to rounding twice)."""
    if paid_cents <= 0 or refunded_cents >= paid_cents:
        return amount_cents
    return amount_cents * max(refunded_cents, 0) // paid_cents


def commission_follow_refund(*, order: Order, refunded_cents: int) -> int:
    """Bring the order's commission to what `refunded` of it leaves; returns what this call
    reversed. Runs in the refund's transaction, under the commission row's lock (the one the
    release takes), so a refund racing the release is applied before or after it, whole."""
    commission = (Commission.objects.for_tenant(order.tenant_id).select_for_update()
                  .filter(order=order).first())
    if commission is None or commission.status in (Commission.Status.CANCELLED,
                                                   Commission.Status.REVERSED):
        return 0
    target = reversal_target(amount_cents=commission.amount_cents,
                             refunded_cents=refunded_cents, paid_cents=order.total_cents)
    delta = target - commission.reversed_cents
    if delta <= 0:
        return 0  # a replay, or a refund too small to move a whole centavo yet
    if commission.status == Commission.Status.POSTED:
        affiliate = (Affiliate.objects.for_tenant(order.tenant_id).select_for_update()
                     .get(pk=commission.affiliate_id))
        # The key names the running total reached: one posting per step, replays post nothing.
        debt = ledger.commission_reverse(tenant=order.tenant, holder=_holder(affiliate),
                                         key=f"commission:{commission.pk}:reverse:{target}",
                                         amount_cents=delta)
        affiliate.debt_cents += debt
        affiliate.save(update_fields=["debt_cents"])
    commission.reversed_cents = target
    if target == commission.amount_cents:
        commission.status = (Commission.Status.REVERSED if commission.status ==
                             Commission.Status.POSTED else Commission.Status.CANCELLED)
    commission.save(update_fields=["reversed_cents", "status"])
    audit.record(actor=None, tenant=order.tenant, action="affiliates.commission.reverse",
                 target=commission, data={"refunded": refunded_cents, "reversed": delta,
                                          "reversed_total": target})
    return delta


def on_order_revoked(sender: Any, order: Order, status: str = "", **_kwargs: Any) -> None:
    """Refunded in full or charged back: whatever is left of the commission goes."""
    commission_follow_refund(order=order, refunded_cents=order.total_cents)


def on_order_refunded_partly(sender: Any, order: Order, refunded_cents: int = 0,
                             **_kwargs: Any) -> None:
    commission_follow_refund(order=order, refunded_cents=refunded_cents)


# --- Commission out: to store credit or by PIX ------------------------------------------------
def _locked_affiliate(affiliate: Affiliate) -> Affiliate:
    return (Affiliate.objects.for_tenant(affiliate.tenant_id).select_for_update()
            .select_related("tenant").get(pk=affiliate.pk))


def _settle_debt(affiliate: Affiliate) -> None:
    """Commissions that came back (a rejected withdrawal) pay the debt first."""
    if affiliate.debt_cents <= 0:
        return
    prefix = f"affiliate:{affiliate.pk}:debt:"  # numbered under the affiliate's row lock
    step = len(ledger.posted_keys(prefixes=(prefix,))) + 1
    paid = ledger.commission_debt_settle(tenant=affiliate.tenant, holder=_holder(affiliate),
                                         debt_cents=affiliate.debt_cents, key=f"{prefix}{step}")
    if paid:
        affiliate.debt_cents -= paid
        affiliate.save(update_fields=["debt_cents"])


@transaction.atomic
def affiliate_debt_settle(*, affiliate: Affiliate) -> int:
    """Pay what the affiliate owes from their commissions now; returns the debt left. Its own
    transaction: a refusal that follows (still in debt) must not roll the payment back."""
    affiliate = _locked_affiliate(affiliate)
    _settle_debt(affiliate)
    return affiliate.debt_cents


def _refuse_debt(affiliate: Affiliate) -> None:
    if affiliate.debt_cents > 0:
        raise AffiliateRefused("affiliate_debt", _(
            "A refund took back a commission you had already used: %(debt)s is owed to the "
            "shop. New commissions pay it first; then you can use them again.") % {
            "debt": format_money(affiliate.debt_cents, affiliate.tenant.currency)})


def _request_key(request_key: str) -> str:
    key = (request_key or "").strip()
    if not key or len(key) > 60 or not key.replace("-", "").replace(":", "").isalnum():
        raise AffiliateRefused("request_invalid", _("The request is missing its id."))
    return key


def affiliate_withdraw(*, affiliate: Affiliate, amount_cents: Any, pix_key_type: str,
                       pix_key: str, request_key: str) -> Any:
    """The affiliate's commissions by PIX, through the operators' withdrawal queue (the same
    queue and decisions as a shop's). Refused while they owe a reversed commission."""
    key = _request_key(request_key)
    affiliate_debt_settle(affiliate=affiliate)
    return _withdraw(affiliate=affiliate, amount_cents=amount_cents, pix_key_type=pix_key_type,
                     pix_key=pix_key, key=key)


@transaction.atomic
def _withdraw(*, affiliate: Affiliate, amount_cents: Any, pix_key_type: str, pix_key: str,
              key: str) -> Any:
    affiliate = _locked_affiliate(affiliate)
    done = Withdrawal.objects.for_tenant(affiliate.tenant_id).filter(
        request_key=f"affiliate:{affiliate.pk}:{key}").first()
    if done is not None:  # the same request again (a retried interaction): the same answer
        return done
    _refuse_debt(affiliate)
    holder = _holder(affiliate)
    try:
        amount = wallet_services.parse_cents(amount_cents)
        have = ledger.commission_balance(tenant=affiliate.tenant, holder=holder)
        if amount > have:
            raise AffiliateRefused("commission_short", _(
                "You can withdraw at most %(have)s.") % {
                "have": format_money(have, affiliate.tenant.currency)})
        withdrawal, _created = ledger.payout_request(
            tenant=affiliate.tenant, holder=holder, amount_cents=amount,
            pix_key_type=pix_key_type, pix_key=pix_key,
            request_key=f"affiliate:{affiliate.pk}:{key}")
    except wallet_services.WalletError as exc:
        raise AffiliateRefused("withdrawal_invalid", str(exc)) from None
    return withdrawal


def affiliate_to_credit(*, affiliate: Affiliate, amount_cents: Any, request_key: str) -> int:
    """Move commissions to the affiliate's store credit (spent at checkout like any balance).
    Once per `request_key`; returns the affiliate's commission balance left."""
    key = _request_key(request_key)
    affiliate_debt_settle(affiliate=affiliate)
    return _to_credit(affiliate=affiliate, amount_cents=amount_cents, key=key)


@transaction.atomic
def _to_credit(*, affiliate: Affiliate, amount_cents: Any, key: str) -> int:
    affiliate = _locked_affiliate(affiliate)
    _refuse_debt(affiliate)
    holder = _holder(affiliate)
    try:
        amount = wallet_services.parse_cents(amount_cents)
        ledger.commission_to_credit(tenant=affiliate.tenant, holder=holder,
                                    amount_cents=amount,
                                    key=f"affiliate:{affiliate.pk}:credit:{key}")
    except ledger.CreditError:
        raise AffiliateRefused("commission_short", _(
            "You can move at most %(have)s.") % {"have": format_money(
                ledger.commission_balance(tenant=affiliate.tenant, holder=holder),
                affiliate.tenant.currency)}) from None
    except wallet_services.WalletError as exc:
        raise AffiliateRefused("amount_invalid", str(exc)) from None
    audit.record(actor=None, tenant=affiliate.tenant, action="affiliates.commission.to_credit",
                 target=affiliate, data={"amount": amount, "key": key})
    return ledger.commission_balance(tenant=affiliate.tenant, holder=holder)


@transaction.atomic
def program_update(*, tenant: Any, actor: Any, enabled: bool, percent: int) -> None:
    """The shop's program (per-product percents are kept in `affiliate_product_percent`)."""
    if not 0 <= percent <= MAX_PERCENT:
        raise AffiliateRefused("settings_invalid", _("The commission must be between 0% and "
                                                     "50%."))
    tenant.settings = {**(tenant.settings or {}), "affiliate_enabled": bool(enabled),
                       "affiliate_percent": percent}
    tenant.save(update_fields=["settings"])
    audit.record(actor=actor, tenant=tenant, action="affiliates.settings", target=tenant,
                 data={"enabled": bool(enabled), "percent": percent})


@transaction.atomic
def product_percent_set(*, tenant: Any, actor: Any, product: Any, percent: int | None) -> None:
    """One product's commission percent; None goes back to the shop's percent. The caller found
    `product` in this tenant (the portal 404s otherwise)."""
    if product.tenant_id != tenant.pk:
        raise AffiliateRefused("product_unknown", _("This product is not in this shop."))
    if percent is not None and not 0 <= percent <= MAX_PRODUCT_PERCENT:
        raise AffiliateRefused("settings_invalid", _("The commission must be between 0% and "
                                                     "100%."))
    tenant = type(tenant).objects.select_for_update().get(pk=tenant.pk)
    settings = dict(tenant.settings or {})
    overrides = settings.get("affiliate_product_percent")
    overrides = dict(overrides) if isinstance(overrides, dict) else {}
    if percent is None:
        overrides.pop(str(product.pk), None)
    else:
        overrides[str(product.pk)] = percent
    settings["affiliate_product_percent"] = overrides
    tenant.settings = settings
    tenant.save(update_fields=["settings"])
    audit.record(actor=actor, tenant=tenant, action="affiliates.product_percent",
                 target=product, data={"percent": percent})
