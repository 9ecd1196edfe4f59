"""Seed the plan ladder: Free trial, Start, Pro. Operators edit it in the admin afterwards
(a price change there is a new PlanVersion). The data is inlined: migrations must not depend on
code that changes later."""

from __future__ import annotations

from decimal import Decimal

from django.db import migrations

LADDER = [
    {"slug": "trial", "name": "Free trial", "sort": 0, "is_trial": True,
     "description": "Everything you need to set up your shop and make your first sales.",
     "version": {"price_cents": 0, "interval": "day", "interval_count": 3, "max_instances": 1,
                 "max_active_products": 20, "max_orders_per_month": 100,
                 "fee_percent": Decimal("5.00"), "hold_days_pix": 1, "hold_days_card": 7,
                 "memory_mb": 256, "cpu": Decimal("0.25"), "card_payments": False,
                 "external_fulfillment": False}},
    {"slug": "start", "name": "Start", "sort": 1, "is_trial": False,
     "description": "For shops starting to sell every day.",
     "version": {"price_cents": 2990, "interval": "month", "interval_count": 1,
                 "max_instances": 1, "max_active_products": 100, "max_orders_per_month": 1000,
                 "fee_percent": Decimal("3.50"), "hold_days_pix": 1, "hold_days_card": 7,
                 "memory_mb": 256, "cpu": Decimal("0.50"), "card_payments": True,
                 "external_fulfillment": False}},
    {"slug": "pro", "name": "Pro", "sort": 2, "is_trial": False,
     "description": "For big shops: more instances, unlimited catalog, lowest fee.",
     "version": {"price_cents": 7990, "interval": "month", "interval_count": 1,
                 "max_instances": 3, "max_active_products": None, "max_orders_per_month": None,
                 "fee_percent": Decimal("1.99"), "hold_days_pix": 1, "hold_days_card": 7,
                 "memory_mb": 512, "cpu": Decimal("1.00"), "card_payments": True,
                 "external_fulfillment": True}},
]


def seed(apps, schema_editor):
    Plan = apps.get_model("tenants", "Plan")
    PlanVersion = apps.get_model("tenants", "PlanVersion")
    for row in LADDER:
        row = dict(row)
        version = row.pop("version")
        plan, _ = Plan.objects.get_or_create(slug=row.pop("slug"), defaults=row)
        if not PlanVersion.objects.filter(plan=plan).exists():
            PlanVersion.objects.create(plan=plan, version=1, **version)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_billing")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
