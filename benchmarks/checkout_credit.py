"""Checkout paid from the buyer's balance against checkout by PIX, in the same run.

Each round checks out one cart per buyer: by PIX (order, reservation, then the charge at the
Mercado Pago sandbox over HTTP), and wholly from store credit (order, the credit taken under
the buyer's lock, the sale posted and the order paid in one transaction; no provider). Prints
JSON lines {"name", "value", "unit", "baseline", "ratio"}; the PIX figure is the baseline.
Everything runs in one transaction rolled back at the end (the sandbox numbers its payments
from the same start every run), so work queued for after the commit (delivery tasks) is timed
for neither.

    python benchmarks/checkout_credit.py [--n 60] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

from catalog.models import Product, Variant  # noqa: E402
from sales import services  # noqa: E402
from sandbox.mercadopago.testing import MercadoPagoSandbox  # noqa: E402
from tenants.models import PlanVersion, Subscription, Tenant, User  # noqa: E402
from tenants.services import tenant_create  # noqa: E402
from wallet import credit as ledger  # noqa: E402


def emit(name: str, value: float, baseline: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit,
                      "baseline": round(baseline, 2), "ratio": round(value / baseline, 3)}),
          flush=True)


def shop(run: str) -> tuple[Tenant, Variant]:
    owner, _ = User.objects.get_or_create(username=f"bench-credit-owner-{run}")
    tenant = tenant_create(owner=owner, name=f"bench-credit-{run}")
    # The Pro plan: a trial's monthly order quota refused the full run's 120 checkouts.
    pro = PlanVersion.objects.filter(plan__slug="pro").order_by("-version").first()
    Subscription.objects.for_tenant(tenant).update(plan_version=pro,
                                                   status=Subscription.Status.ACTIVE)
    product, _ = Product.objects.for_tenant(tenant).get_or_create(tenant=tenant, name="Curso")
    variant, _ = Variant.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, product=product, label="Vitalício",
        defaults={"price_cents": 1990, "fulfillment": "content", "content": "https://x.test"})
    return tenant, variant


def checkout_ms(tenant: Tenant, variant: Variant, n: int, use_credit: bool, run: str) -> float:
    times = []
    for i in range(n):
        buyer = services.customer_upsert(tenant=tenant, discord_user_id=f"{run}{i}",
                                         display_name="Bench")
        if use_credit:
            ledger.topup_record(tenant=tenant, holder=ledger.customer_holder(buyer.pk),
                                payment_id=int(f"{run}{i}"), amount_cents=1990)
        services.cart_add(customer=buyer, variant_id=variant.pk)
        started = time.perf_counter()
        result = services.checkout(customer=buyer, use_credit=use_credit)
        times.append((time.perf_counter() - started) * 1000)
        assert (result.payment is None) == use_credit
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--smoke", action="store_true", help="3 checkouts each (CI)")
    args = parser.parse_args()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    n = 3 if args.smoke else args.n
    run = str(time.time_ns() % 10**12)
    with transaction.atomic(), MercadoPagoSandbox() as sandbox:
        tenant, variant = shop(run)
        settings.MERCADOPAGO_API_BASE_URL = sandbox.url
        settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-bench-credit"
        pix = checkout_ms(tenant, variant, n, use_credit=False, run=run + "1")
        credit = checkout_ms(tenant, variant, n, use_credit=True, run=run + "2")
        transaction.set_rollback(True)
    emit("checkout_pix_median", pix, pix, "ms")
    emit("checkout_store_credit_median", credit, pix, "ms")


if __name__ == "__main__":
    main()
