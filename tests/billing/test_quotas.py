"""Quota checks block at the limit with clear messages; features per tenant."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from tenants.models import Subscription
from tenants.quotas import (
    ACTIVE_PRODUCTS,
    FALLBACK,
    INSTANCES,
    ORDERS_PER_MONTH,
    QuotaExceeded,
    bot_resources,
    features,
    fee_percent,
    hold_days,
    quota_check,
    usage_record,
)

pytestmark = pytest.mark.django_db


def test_orders_block_at_the_monthly_limit(shop, plans):
    limit = plans["trial"].max_orders_per_month
    usage_record(tenant=shop.tenant, metric=ORDERS_PER_MONTH, delta=limit - 1)
    quota_check(tenant=shop.tenant, quota=ORDERS_PER_MONTH)  # the last one fits
    usage_record(tenant=shop.tenant, metric=ORDERS_PER_MONTH)
    with translation.override("en"), pytest.raises(QuotaExceeded) as error:
        quota_check(tenant=shop.tenant, quota=ORDERS_PER_MONTH)
    assert str(error.value).startswith(f"Your plan allows {limit} orders per month.")
    assert error.value.limit == limit and error.value.used == limit


def test_active_products_with_the_callers_live_count(shop, plans):
    quota_check(tenant=shop.tenant, quota=ACTIVE_PRODUCTS, current=19)
    with translation.override("en"), pytest.raises(QuotaExceeded,
                                                   match="allows 20 active products"):
        quota_check(tenant=shop.tenant, quota=ACTIVE_PRODUCTS, current=20)
    with pytest.raises(QuotaExceeded):
        quota_check(tenant=shop.tenant, quota=ACTIVE_PRODUCTS, adding=5, current=16)


def test_instances_per_account(shop, plans):
    with pytest.raises(QuotaExceeded):  # the trial allows one instance, the shop is it
        quota_check(tenant=shop.tenant, quota=INSTANCES)
    Subscription.objects.for_tenant(shop.tenant).update(plan_version=plans["pro"])
    quota_check(tenant=shop.tenant, quota=INSTANCES)


def test_unlimited_quotas_never_block(shop, plans):
    Subscription.objects.for_tenant(shop.tenant).update(plan_version=plans["pro"])
    quota_check(tenant=shop.tenant, quota=ACTIVE_PRODUCTS, adding=10_000, current=10_000)


def test_unknown_quota_is_a_programming_error(shop):
    with pytest.raises(ValueError):
        quota_check(tenant=shop.tenant, quota="bananas")


def test_features_for_wallet_and_runtime(shop, plans):
    pro = plans["pro"]
    Subscription.objects.for_tenant(shop.tenant).update(plan_version=pro)
    f = features(shop.tenant)
    assert f.fee_percent == pro.fee_percent == fee_percent(shop.tenant)
    assert hold_days(shop.tenant, method="pix") == pro.hold_days_pix
    assert hold_days(shop.tenant, method="card") == pro.hold_days_card
    assert bot_resources(shop.tenant) == (pro.memory_mb, pro.cpu)
    assert f.card_payments and f.external_fulfillment


def test_tenant_without_subscription_gets_the_trial_limits(shop):
    Subscription.objects.for_tenant(shop.tenant).delete()
    assert features(shop.tenant) == FALLBACK
    assert FALLBACK.fee_percent == Decimal("5.00")


def test_quota_message_in_portuguese():
    from django.utils import translation

    from tenants.quotas import quota_message

    with translation.override("pt-br"):
        assert quota_message("active_products", 20).startswith(
            "Seu plano permite 20 produtos ativos.")

