"""A shop's data, for the owner (LGPD portability): JSON per table plus CSVs, in one zip.

Secrets are left out on purpose: API token hashes, the bot token, stock contents and signing
secrets never leave the platform through an export.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from tenants.models import Tenant

# (label, model path, fields left out). Only tenant-owned tables; each query is scoped.
TABLES: list[tuple[str, str, set[str]]] = [
    ("memberships", "tenants.Membership", set()),
    ("subscriptions", "tenants.Subscription", set()),
    ("products", "catalog.Product", set()),
    ("variants", "catalog.Variant", {"content", "external_secret"}),
    ("stock_items", "catalog.StockItem", {"content", "fingerprint"}),
    ("coupons", "catalog.Coupon", set()),
    ("message_templates", "catalog.MessageTemplate", set()),
    ("customers", "sales.Customer", set()),
    ("orders", "sales.Order", set()),
    ("order_lines", "sales.OrderLine", set()),
    ("order_events", "sales.OrderEvent", set()),
    ("deliveries", "sales.Delivery", set()),
    ("payments", "payments.Payment", set()),
    ("refunds", "payments.Refund", set()),
    ("ledger_entries", "wallet.Entry", set()),
    ("withdrawals", "wallet.Withdrawal", {"pix_key"}),
]
CSV_TABLES = {"orders", "customers", "ledger_entries", "payments"}


class Command(BaseCommand):
    help = "Export one instance's data: tenant_export <slug> [--out DIR]"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--out", default=".", help="folder for <slug>-export.zip")

    def handle(self, *args: Any, slug: str, out: str, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"no instance with slug {slug!r}")
        target = Path(out) / f"{slug}-export.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("instance.json", _json([_tenant_row(tenant)]))
            for label, path, omit in TABLES:
                rows = _rows(tenant, path, omit)
                archive.writestr(f"{label}.json", _json(rows))
                if label in CSV_TABLES:
                    archive.writestr(f"{label}.csv", _csv(rows))
        self.stdout.write(self.style.SUCCESS(str(target)))


def _tenant_row(tenant: Tenant) -> dict:
    return {"name": tenant.name, "slug": tenant.slug, "status": tenant.status,
            "locale": tenant.locale, "currency": tenant.currency,
            "created_at": tenant.created_at, "exported_at": timezone.now()}


def _rows(tenant: Tenant, path: str, omit: set[str]) -> list[dict]:
    from django.apps import apps

    model = apps.get_model(path)
    fields = [f for f in model._meta.concrete_fields if f.name not in omit]
    names = [f.attname if isinstance(f, models.ForeignKey) else f.name for f in fields]
    return list(model._default_manager.filter(tenant=tenant).order_by("pk").values(*names))


def _json(rows: list[dict]) -> str:
    return json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)


def _csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    # Spreadsheets execute cells that start with these characters (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
