from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from affiliates import services
from payments import services as payments
from sales import services as sales
from tests.api.conftest import bot, other_bot  # noqa: F401
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from wallet import services as wallet_services

LATER = timedelta(days=60)


def _program(tenant, percent=10, **extra):
    tenant.settings = {**tenant.settings, "affiliate_enabled": True,
                       "affiliate_percent": percent, **extra}
    tenant.save()


@pytest.fixture
def referred(shop, mp):  # noqa: F811
    """Bia, referred by Ana, paid R$ 100,00 (commission 10%: R$ 10,00), not released yet."""
    _program(shop.tenant)
    v = f.variant(f.product(shop.tenant), price_cents=10000, keys=5)
    ana = f.customer(shop.tenant, discord_user_id="100", name="Ana")
    bia = f.customer(shop.tenant, discord_user_id="200", name="Bia")
    affiliate = services.affiliate_join(customer=ana)
    services.referral_use(customer=bia, code=affiliate.code)
    sales.cart_add(customer=bia, variant_id=v.pk)
    result = sales.checkout(customer=bia)
    mp.approve(result.payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=result.payment.provider_payment_id)
    result.payment.refresh_from_db()
    return shop, affiliate, ana, result.payment, result.order


def _refund(shop, payment, cents):
    payment.refresh_from_db()
    return payments.payment_refund(payment=payment, actor=shop.owner, reason="parte",
                                   amount_cents=cents)


def _release():
    wallet_services.releases_run(now=timezone.now() + LATER)
    return services.commissions_release_run()


