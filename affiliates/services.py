"""Writes of affiliates: joining (/afiliado), using a code, commissions recorded when a referred
order is paid, posted to the affiliate's store credit when the sale's hold is released, and
cancelled or reversed on refund.

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
from sales.errors import SalesError
from sales.models import Customer, Order, OrderLine
from wallet import credit as ledger
from wallet.models import Hold, LedgerTransaction

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
    if order.currency != order.tenant.currency:
        # Commissions are paid as store credit in the shop's currency: an order paid in
        # another one (a USD price by Stripe) earns none rather than dollars counted as reais.
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
    pay = commission.amount_cents - min(affiliate.debt_cents, commission.amount_cents)
    if pay and not ledger.commission_post(
            tenant=tenant, key=f"commission:{commission.pk}", amount_cents=pay,
            holder=ledger.customer_holder(affiliate.customer_id)):
        return False  # the shop's available balance is short now; the next run tries again
    affiliate.debt_cents -= commission.amount_cents - pay
    affiliate.save(update_fields=["debt_cents"])
    commission.status, commission.posted_at = Commission.Status.POSTED, timezone.now()
    commission.save(update_fields=["status", "posted_at"])
    audit.record(actor=None, tenant=tenant, action="affiliates.commission.post",
                 target=commission, data={"amount": commission.amount_cents, "paid": pay})
    return True


def on_order_revoked(sender: Any, order: Order, status: str = "", **_kwargs: Any) -> None:
    commission = (Commission.objects.for_tenant(order.tenant_id).select_for_update()
                  .select_related("affiliate").filter(order=order).first())
    if commission is None:
        return
    if commission.status == Commission.Status.PENDING:
        commission.status = Commission.Status.CANCELLED
        commission.save(update_fields=["status"])
    elif commission.status == Commission.Status.POSTED:
        affiliate = (Affiliate.objects.for_tenant(order.tenant_id).select_for_update()
                     .get(pk=commission.affiliate_id))
        debt = ledger.commission_reverse(
            tenant=order.tenant, key=f"commission:{commission.pk}:reverse",
            holder=ledger.customer_holder(affiliate.customer_id),
            amount_cents=commission.amount_cents)
        affiliate.debt_cents += debt
        affiliate.save(update_fields=["debt_cents"])
        commission.status = Commission.Status.REVERSED
        commission.save(update_fields=["status"])


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
