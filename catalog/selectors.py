"""Reads for the catalog: what the bot shows and what the portal lists."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from catalog.models import (
    Coupon,
    MessageTemplate,
    Product,
    ProductField,
    ProductPost,
    StockItem,
    Variant,
    VariantPrice,
)
from catalog.templating import default_body
from tenants.models import Tenant
from tenants.quotas import features

_S = StockItem.Status


def variants_with_counts(*, tenant: Tenant) -> QuerySet[Variant]:
    return Variant.objects.for_tenant(tenant).prefetch_related(
        Prefetch("prices", queryset=VariantPrice.objects.for_tenant(tenant))).annotate(
        stock_available=Count("stock_items", filter=Q(stock_items__status=_S.AVAILABLE)),
        stock_reserved=Count("stock_items", filter=Q(stock_items__status=_S.RESERVED)),
        stock_sold=Count("stock_items", filter=Q(stock_items__status=_S.SOLD)),
    ).order_by("sort_order", "id")


def products_with_variants(*, tenant: Tenant, active_only: bool = False) -> QuerySet[Product]:
    variants = variants_with_counts(tenant=tenant)
    products = Product.objects.for_tenant(tenant)
    if active_only:
        variants = variants.filter(is_active=True)
        products = products.filter(is_active=True)
    posts = ProductPost.objects.for_tenant(tenant)
    fields = ProductField.objects.for_tenant(tenant)
    return products.prefetch_related(Prefetch("variants", queryset=variants),
                                     Prefetch("posts", queryset=posts),
                                     Prefetch("fields", queryset=fields))


def product_fields(*, tenant: Tenant, product_id: int) -> list[ProductField]:
    return list(ProductField.objects.for_tenant(tenant).filter(product_id=product_id))


def fields_by_product(*, tenant: Tenant, product_ids: set[int]) -> dict[int, list[ProductField]]:
    """The custom fields of several products in one query (checkout)."""
    out: dict[int, list[ProductField]] = {}
    for field in ProductField.objects.for_tenant(tenant).filter(product_id__in=product_ids):
        out.setdefault(field.product_id, []).append(field)
    return out


def stock_items(*, tenant: Tenant, variant: Variant, status: str | None = None
                ) -> QuerySet[StockItem]:
    qs = StockItem.objects.for_tenant(tenant).filter(variant=variant)
    return qs.filter(status=status) if status else qs


def coupons(*, tenant: Tenant) -> QuerySet[Coupon]:
    return Coupon.objects.for_tenant(tenant).prefetch_related("products", "variants")


def coupon_by_code(*, tenant: Tenant, code: str) -> Coupon | None:
    return Coupon.objects.for_tenant(tenant).filter(
        code__iexact=Coupon.normalize_code(code)).first()


def template_body(*, tenant: Tenant, kind: str, locale: str) -> str:
    row = MessageTemplate.objects.for_tenant(tenant).filter(kind=kind, locale=locale).first()
    return row.body if row else default_body(kind, locale)


def low_stock_variants(*, tenant: Tenant, variant_ids: list[int] | None = None
                       ) -> list[Variant]:
    qs = variants_with_counts(tenant=tenant).filter(fulfillment="stock", is_active=True)
    if variant_ids is not None:
        qs = qs.filter(pk__in=variant_ids)
    return [v for v in qs.select_related("product")
            if v.stock_available <= v.low_stock_threshold]


def product_postable(*, product: Product) -> bool:
    """May the bot post `product` (a new post or a repost)? Only when it is for sale: active,
    and within the plan's active products (a downgrade can leave more products active than the
    new plan allows; the first ones by position keep their posts)."""
    if not product.is_active:
        return False
    limit = features(product.tenant).max_active_products
    if limit is None:
        return True
    first = (Product.objects.for_tenant(product.tenant).filter(is_active=True)
             .order_by("sort_order", "id").values_list("pk", flat=True)[:limit])
    return product.pk in set(first)
