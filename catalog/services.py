"""Writes for the catalog. Views and the Bot API call these; they hold the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from catalog.models import (
    Coupon,
    MessageTemplate,
    Product,
    ProductPost,
    StockItem,
    Variant,
    VariantPrice,
)
from catalog.selectors import product_postable
from money import SUPPORTED_CURRENCIES
from tenants.models import Tenant
from tenants.quotas import ACTIVE_PRODUCTS, QuotaExceeded, features, quota_check, usage_set

STOCK_MAX_LINE = 2000
STOCK_MAX_BATCH = 10_000


class CatalogError(ValueError):
    """A request the rules refuse; the message is shown as is."""


@dataclass(frozen=True)
class StockAddResult:
    added: int
    duplicates: int
    rejected: int


def _check_active_products_quota(tenant: Tenant) -> None:
    """Plans cap active products; raised as CatalogError so every caller shows the reason."""
    current = Product.objects.for_tenant(tenant).filter(is_active=True).count()
    try:
        quota_check(tenant=tenant, quota="active_products", current=current)
    except QuotaExceeded as exc:
        raise CatalogError(str(exc)) from None


def _record_active_products(tenant: Tenant) -> None:
    """Billing's gauge (the Plano page's "Active products") follows every change of the count."""
    usage_set(tenant=tenant, metric=ACTIVE_PRODUCTS,
              value=Product.objects.for_tenant(tenant).filter(is_active=True).count())


def _save(obj: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()


@transaction.atomic
def product_save(*, tenant: Tenant, actor: Any, product: Product | None = None,
                 **fields: Any) -> Product:
    created = product is None
    if fields.get("image") is False:  # "clear" ticked in the form
        fields["image"] = ""
    if fields.get("is_active", created) and (created or not product.is_active):
        _check_active_products_quota(tenant)
    if product is None:
        last = Product.objects.for_tenant(tenant).order_by("-sort_order").first()
        product = Product(tenant=tenant, sort_order=(last.sort_order + 1) if last else 0)
    _save(product, fields)
    _record_active_products(tenant)
    audit.record(actor=actor, tenant=tenant, action="product.create" if created
                 else "product.update", target=product, data={"name": product.name})
    return product


@transaction.atomic
def product_set_active(*, product: Product, actor: Any, active: bool) -> Product:
    if active and not product.is_active:
        _check_active_products_quota(product.tenant)
    product.is_active = active
    product.save(update_fields=["is_active", "updated_at"])
    _record_active_products(product.tenant)
    ProductPost.objects.for_tenant(product.tenant).filter(product=product).update(
        needs_refresh=True)
    audit.record(actor=actor, tenant=product.tenant, action="product.active", target=product,
                 data={"active": active})
    return product


def _move(ordered: list, pk: int, direction: int) -> None:
    """Swap item `pk` with its neighbour (direction -1 = up, +1 = down), renumbering all."""
    index = next(i for i, item in enumerate(ordered) if item.pk == pk)
    target = index + direction
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        if item.sort_order != position:
            item.sort_order = position
            item.save(update_fields=["sort_order"])


@transaction.atomic
def product_move(*, product: Product, actor: Any, direction: int) -> None:
    ordered = list(Product.objects.for_tenant(product.tenant).select_for_update()
                   .order_by("sort_order", "id"))
    _move(ordered, product.pk, direction)


@transaction.atomic
def variant_move(*, variant: Variant, actor: Any, direction: int) -> None:
    ordered = list(Variant.objects.for_tenant(variant.tenant).filter(product_id=variant.product_id)
                   .select_for_update().order_by("sort_order", "id"))
    _move(ordered, variant.pk, direction)
    ProductPost.objects.for_tenant(variant.tenant).filter(product_id=variant.product_id).update(
        needs_refresh=True)


@transaction.atomic
def variant_set_active(*, variant: Variant, actor: Any, active: bool) -> Variant:
    variant.is_active = active
    variant.save(update_fields=["is_active"])
    ProductPost.objects.for_tenant(variant.tenant).filter(product_id=variant.product_id).update(
        needs_refresh=True)
    audit.record(actor=actor, tenant=variant.tenant, action="variant.active", target=variant,
                 data={"active": active})
    return variant


@transaction.atomic
def variant_save(*, product: Product, actor: Any, variant: Variant | None = None,
                 prices: dict[str, int | None] | None = None, **fields: Any) -> Variant:
    """Create or edit a variant; `prices` sets its prices in other currencies (None removes
    one; a currency left out is kept as it is)."""
    created = variant is None
    external = fields.get("fulfillment") == "external"
    if external and not features(product.tenant).external_fulfillment:
        raise CatalogError(_("Your plan does not include external fulfillment; "
                             "upgrade on the Plan page to use it."))
    if variant is None:
        count = product.variants.count()
        variant = Variant(tenant=product.tenant, product=product, sort_order=count)
    _save(variant, fields)
    changed = _prices_set(variant=variant, prices=prices or {})
    ProductPost.objects.for_tenant(product.tenant).filter(product=product).update(
        needs_refresh=True)
    data: dict[str, Any] = {"label": variant.label, "price_cents": variant.price_cents}
    if changed:
        data["prices"] = changed
    audit.record(actor=actor, tenant=product.tenant, action="variant.create" if created
                 else "variant.update", target=variant, data=data)
    return variant


def _prices_set(*, variant: Variant, prices: dict[str, int | None]) -> dict[str, int | None]:
    """Write the variant's other-currency prices; returns what changed (for the audit)."""
    shop = variant.tenant.currency or "BRL"
    current = {p.currency: p for p in VariantPrice.objects.for_tenant(variant.tenant_id)
               .filter(variant=variant)}
    changed: dict[str, int | None] = {}
    for currency, cents in prices.items():
        if currency not in SUPPORTED_CURRENCIES or currency == shop:
            raise CatalogError(_("Prices can be set in US dollars, euros or reais, other than "
                                 "the shop's own currency."))
        row = current.get(currency)
        if cents is None:
            if row is not None:
                row.delete()
                changed[currency] = None
            continue
        if row is None:
            row = VariantPrice(tenant_id=variant.tenant_id, variant=variant, currency=currency)
        elif row.amount_cents == cents:
            continue
        row.amount_cents = cents
        # Field validators only: uniqueness and the checks are the database's (constraints),
        # and Django's own unique query would run unscoped.
        row.clean_fields()
        row.save()
        changed[currency] = cents
    return changed


def parse_stock_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@transaction.atomic
def stock_add(*, variant: Variant, actor: Any, lines: list[str]) -> StockAddResult:
    """Add one item per line; duplicates (in the batch or already in the product) are skipped."""
    if not variant.uses_stock:
        raise CatalogError(_("This variant does not deliver stock items."))
    if len(lines) > STOCK_MAX_BATCH:
        raise CatalogError(_("Add at most %(n)s items at a time.") % {"n": STOCK_MAX_BATCH})
    tenant = variant.tenant
    fresh: dict[str, str] = {}
    rejected = 0
    for line in lines:
        if len(line) > STOCK_MAX_LINE:
            rejected += 1
            continue
        fresh.setdefault(StockItem.fingerprint_of(line), line)
    known = set(StockItem.objects.for_tenant(tenant).filter(
        product_id=variant.product_id, fingerprint__in=list(fresh)
    ).values_list("fingerprint", flat=True))
    items = [StockItem(tenant=tenant, product_id=variant.product_id, variant=variant,
                       content=content, fingerprint=fp)
             for fp, content in fresh.items() if fp not in known]
    # ignore_conflicts: a concurrent upload of the same key loses quietly to the unique index.
    created = StockItem.objects.bulk_create(items, ignore_conflicts=True, batch_size=1000)
    result = StockAddResult(added=len(created), rejected=rejected,
                            duplicates=len(lines) - rejected - len(created))
    audit.record(actor=actor, tenant=tenant, action="stock.add", target=variant,
                 data={"added": result.added, "duplicates": result.duplicates})
    return result


@transaction.atomic
def stock_remove_unsold(*, variant: Variant, actor: Any, ids: list[int] | None = None) -> int:
    """Delete available items (all, or the given ids); reserved and sold items stay."""
    qs = StockItem.objects.for_tenant(variant.tenant).filter(
        variant=variant, status=StockItem.Status.AVAILABLE)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    removed, _detail = qs.delete()
    audit.record(actor=actor, tenant=variant.tenant, action="stock.remove", target=variant,
                 data={"removed": removed})
    return removed


@transaction.atomic
def coupon_save(*, tenant: Tenant, actor: Any, coupon: Coupon | None = None,
                products: list[Product] | None = None, variants: list[Variant] | None = None,
                **fields: Any) -> Coupon:
    created = coupon is None
    coupon = coupon or Coupon(tenant=tenant)
    if "code" in fields:
        fields["code"] = Coupon.normalize_code(fields["code"])
        clash = Coupon.objects.for_tenant(tenant).filter(code__iexact=fields["code"])
        if clash.exclude(pk=coupon.pk).exists():
            raise CatalogError(_("A coupon with this code already exists."))
    for name, value in fields.items():
        setattr(coupon, name, value)
    if coupon.kind == Coupon.Kind.PERCENT and not 1 <= coupon.value <= 100:
        raise CatalogError(_("A percent discount is between 1 and 100."))
    if coupon.starts_at and coupon.ends_at and coupon.ends_at <= coupon.starts_at:
        raise CatalogError(_("The end of the validity must come after its start."))
    try:  # the form checked already; this keeps every other caller inside the columns too
        coupon.full_clean(exclude=["tenant", "products", "variants"], validate_unique=False,
                           validate_constraints=False)
    except ValidationError as exc:
        raise CatalogError(" ".join(exc.messages)) from None
    coupon.save()
    if products is not None:
        coupon.products.set([p for p in products if p.tenant_id == tenant.pk])
    if variants is not None:
        coupon.variants.set([v for v in variants if v.tenant_id == tenant.pk])
    audit.record(actor=actor, tenant=tenant, action="coupon.create" if created
                 else "coupon.update", target=coupon, data={"code": coupon.code})
    return coupon


@transaction.atomic
def template_save(*, tenant: Tenant, actor: Any, kind: str, locale: str,
                  body: str) -> MessageTemplate:
    row, _created = MessageTemplate.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, kind=kind, locale=locale, defaults={"body": body})
    audit.record(actor=actor, tenant=tenant, action="template.save", target=row,
                 data={"kind": kind, "locale": locale})
    return row


class PostNotAllowed(CatalogError):
    """The product may not be posted now (not for sale, or past the plan's products)."""


@transaction.atomic
def post_record(*, product: Product, channel_id: str, message_id: str) -> ProductPost:
    """Record where the bot posted `product`. A new post (or a repost: another message) is
    refused unless the product may be posted; re-recording the same message after a refresh
    is always accepted (that is how a product no longer for sale loses its buttons)."""
    now = timezone.now()
    known = ProductPost.objects.for_tenant(product.tenant).filter(
        product=product, channel_id=channel_id, message_id=message_id).exists()
    if not known and not product_postable(product=product):
        raise PostNotAllowed(str(product))
    post, created = ProductPost.objects.for_tenant(product.tenant).get_or_create(
        tenant=product.tenant, product=product, channel_id=channel_id,
        defaults={"message_id": message_id, "posted_at": now, "refreshed_at": now})
    if not created:
        ProductPost.objects.for_tenant(product.tenant).filter(pk=post.pk).update(
            message_id=message_id, refreshed_at=now, needs_refresh=False,
            posted_at=F("posted_at") if post.message_id == message_id else now)
        post.refresh_from_db()
    return post
