"""Every page of the portal and the admin, as (name, path) pairs on a tests.world.World: the
i18n sweep renders them, the browser sweep photographs them."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from tests.world import World


def portal_pages(world: World) -> list[tuple[str, str]]:
    from catalog.models import Coupon, Product, Variant
    from memberships.models import Member, Tier
    from sales.models import Order

    slug = world.tenant.slug
    tenant = world.tenant
    product = Product.objects.for_tenant(tenant).order_by("pk").first()
    variant = Variant.objects.for_tenant(tenant).filter(label="Bronze").get()
    coupon = Coupon.objects.for_tenant(tenant).order_by("pk").first()
    order = Order.objects.for_tenant(tenant).get(pk=world.order_id)
    tier = Tier.objects.for_tenant(tenant).order_by("pk").first()
    member = Member.objects.for_tenant(tenant).order_by("pk").first()
    smm_variant = Variant.objects.for_tenant(tenant).filter(fulfillment="service").get()
    smm_product = smm_variant.product

    def at(name: str, *args: object) -> str:
        return reverse(f"portal:{name}", args=[slug, *args])

    return [
        ("instances", reverse("portal:instances")),
        ("instance-new", reverse("portal:instance_create")),
        ("account", reverse("portal:account")),
        ("connections", "/accounts/3rdparty/"),
        ("dashboard", at("dashboard")),
        ("products", at("shop")),
        ("product-new", at("product_create")),
        ("product-edit", at("product_edit", product.pk)),
        ("variant-new", at("variant_create", product.pk)),
        ("variant-edit", at("variant_edit", variant.pk)),
        ("stock", at("stock", variant.pk)),
        ("coupons", at("coupons")),
        ("coupon-edit", at("coupon_edit", coupon.pk)),
        ("messages", at("templates")),
        ("product-fields", at("product_fields", smm_product.pk)),
        ("smm-panel", at("smm_panel")),
        ("smm-service", at("smm_service", smm_variant.pk)),
        ("developers", at("developers")),
        ("orders", at("orders")),
        ("order-detail", at("order_detail", order.code)),
        ("customers", at("customers")),
        ("disputes", at("disputes")),
        ("dispute-detail", at("dispute_detail", world.dispute_id)),
        ("trust-reviews", at("trust_reviews")),
        ("trust-blocks", at("trust_blocks")),
        ("trust-rules", at("trust_rules")),
        ("wallet", at("wallet")),
        ("statement", at("wallet_statement")),
        ("credit", at("credit")),
        ("affiliates", at("affiliates")),
        ("plan", at("plan")),
        ("bot", at("bot")),
        ("settings", at("settings")),
        ("payment-settings", at("payment_settings")),
        ("growth", at("growth_analytics")),
        ("growth-90", at("growth_analytics") + "?days=90"),
        ("growth-settings", at("growth_settings")),
        ("members", at("members")),
        ("memberships", at("memberships")),
        ("membership-member", at("membership_member", member.pk)),
        ("membership-tiers", at("membership_tiers")),
        ("membership-tier-edit", at("membership_tier_edit", tier.pk)),
        ("membership-settings", at("membership_settings")),
        ("payment", at("payment_detail", world.payment_uuid)),
        ("pay-page", reverse("payments:page", args=[world.payment_uuid])),
    ]


def admin_pages(world: World) -> list[tuple[str, str]]:
    pages = [("admin-index", reverse("admin:index")),
             ("admin-business", reverse("admin:ops_business")),
             ("admin-audit", reverse("admin:ops_audit")),
             ("admin-diagnostics", reverse("admin:ops_diagnostics"))]
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        pages.append((f"admin-{info}-list", reverse(f"admin:{info}_changelist")))
        first = model._default_manager.all()
        if hasattr(first, "unscoped"):
            first = first.unscoped()
        row = first.order_by("pk").first()
        if row is not None:
            pages.append((f"admin-{info}-change", reverse(f"admin:{info}_change", args=[row.pk])))
    return pages
