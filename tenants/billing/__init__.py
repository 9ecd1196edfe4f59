"""Plans and billing (issue 9): what other apps call.

    quota_check(tenant=..., quota="active_products" | "orders_per_month" | "instances",
                adding=1, current=None)          -> None or raises QuotaExceeded
    features(tenant) -> Features                 (fee_percent, hold_days_pix, hold_days_card,
                                                  memory_mb, cpu, card_payments, ...)
    usage_record(tenant=..., metric=..., delta=1)  (orders: +1 when an order is created)
    usage_set(tenant=..., metric=..., value=n)     (gauges: active products)
"""

from __future__ import annotations

from tenants.billing.quotas import (
    ACTIVE_PRODUCTS,
    INSTANCES,
    ORDERS_PER_MONTH,
    BillingError,
    Features,
    QuotaExceeded,
    bot_resources,
    features,
    fee_percent,
    hold_days,
    quota_check,
    usage_record,
    usage_set,
)

__all__ = [
    "ACTIVE_PRODUCTS", "INSTANCES", "ORDERS_PER_MONTH", "BillingError", "Features",
    "QuotaExceeded", "bot_resources", "features", "fee_percent", "hold_days", "quota_check",
    "usage_record", "usage_set",
]
