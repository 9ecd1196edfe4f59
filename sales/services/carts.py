"""Carts: one open cart per customer per shop, expiring after inactivity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from catalog import stock
from catalog.fields import FieldError, answers_clean
from catalog.models import Variant, VariantPrice
from catalog.selectors import coupon_by_code, product_fields
from money import SUPPORTED_CURRENCIES
from sales import hooks, pricing, signals
from sales.errors import SalesError
from sales.models import Cart, CartLine, Customer
from tenants.models import Tenant

MAX_QUANTITY = 100
MAX_LINES = 25
CART_TTL_DEFAULT = 10  # minutes; per tenant: tenant.settings["cart_ttl_minutes"]


def cart_ttl(tenant: Tenant) -> timedelta:
    return timedelta(minutes=int(tenant.settings.get("cart_ttl_minutes") or CART_TTL_DEFAULT))


@dataclass
class CartView:
    cart: Cart | None
    lines: list[CartLine]
    pricing: pricing.Pricing  # in the shop's currency
    other_totals: dict[str, int] = field(default_factory=dict)  # currency -> total


def _check_buyer(customer: Customer) -> None:
    if customer.is_blocked:
        raise SalesError("customer_blocked")


def _check_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) \
            or not 1 <= quantity <= MAX_QUANTITY:
        raise SalesError("quantity_invalid", max=MAX_QUANTITY)
    return quantity


def _open_cart(customer: Customer, *, create: bool) -> Cart | None:
    """The customer's open, unexpired cart, locked; an expired one is closed on the way."""
    tenant, now = customer.tenant, timezone.now()
    qs = Cart.objects.for_tenant(tenant).select_for_update()
    cart = qs.filter(customer=customer, status=Cart.Status.OPEN).first()
    if cart is not None and cart.expires_at <= now:
        cart.status = Cart.Status.EXPIRED
        cart.save(update_fields=["status", "updated_at"])
        cart = None
    if cart is None and create:
        try:
            with transaction.atomic():
                cart = Cart.objects.create(tenant=tenant, customer=customer,
                                           expires_at=now + cart_ttl(tenant))
        except IntegrityError:  # a concurrent request opened it first
            cart = qs.get(customer=customer, status=Cart.Status.OPEN)
    return cart


def _touch(cart: Cart) -> None:
    cart.expires_at = timezone.now() + cart_ttl(cart.tenant)
    cart.save(update_fields=["expires_at", "coupon", "updated_at"])


def _sellable_variant(tenant: Tenant, variant_id: object) -> Variant:
    if isinstance(variant_id, bool) or not isinstance(variant_id, int):
        raise SalesError("variant_not_found")
    variant = (Variant.objects.for_tenant(tenant).select_related("product")
               .filter(pk=variant_id).first())
    if variant is None:
        raise SalesError("variant_not_found")
    if not (variant.is_active and variant.product.is_active):
        raise SalesError("variant_unavailable", item=str(variant))
    return variant


def _available(tenant: Tenant, variant: Variant) -> int | None:
    """Items left to sell, or None for a variant without stock (a role, a link)."""
    if not variant.uses_stock:
        return None
    return stock.available_counts(tenant=tenant, variant_ids=[variant.pk]).get(variant.pk, 0)


def _check_stock(tenant: Tenant, variant: Variant, quantity: int,
                 available: int | None = None) -> None:
    if available is None:
        available = _available(tenant, variant)
    if available is not None and available < quantity:
        raise SalesError("out_of_stock", item=str(variant), available=available)


def answers_for(*, variant: Variant, answers: dict[str, object] | None,
                fields: list | None = None) -> list[dict]:
    """The buyer's answers to the product's custom fields (`fields`, or read), checked
    (SalesError field_invalid names the field and says what to fix)."""
    if fields is None:
        fields = product_fields(tenant=variant.tenant_id, product_id=variant.product_id)
    try:
        return answers_clean(fields=fields, answers=answers)
    except FieldError as exc:
        raise SalesError("field_invalid", label=exc.label, reason=exc.reason) from None


@transaction.atomic
def cart_add(*, customer: Customer, variant_id: int, quantity: int = 1,
             answers: dict[str, object] | None = None) -> Cart:
    """Add `quantity` of a variant; `answers` fills the product's custom fields (the latest
    answers replace earlier ones on the same line)."""
    _check_buyer(customer)
    quantity = _check_quantity(quantity)
    variant = _sellable_variant(customer.tenant, variant_id)
    # Counted before the cart is opened: in a drop most buyers find the variant sold out, and
    # they are told so without a cart being created, locked and rolled back for each of them.
    available = _available(customer.tenant, variant)
    _check_stock(customer.tenant, variant, quantity, available)
    cleaned = answers_for(variant=variant, answers=answers)
    cart = _open_cart(customer, create=True)
    lines = list(cart.lines.all())  # at most MAX_LINES rows
    line = next((ln for ln in lines if ln.variant_id == variant.pk), None)
    wanted = quantity + (line.quantity if line else 0)
    _check_quantity(wanted)
    if line is None and len(lines) >= MAX_LINES:
        raise SalesError("cart_too_large", max=MAX_LINES)
    _check_stock(customer.tenant, variant, wanted, available)
    if line is None:
        CartLine.objects.create(tenant=customer.tenant, cart=cart, variant=variant,
                                quantity=wanted, answers=cleaned)
    else:
        line.quantity = wanted
        line.answers = cleaned or line.answers
        line.save(update_fields=["quantity", "answers"])
    _touch(cart)
    signals.cart_item_added.send(sender=Cart, cart=cart, variant=variant, quantity=quantity)
    return cart


@transaction.atomic
def cart_set_quantity(*, customer: Customer, variant_id: int, quantity: int) -> Cart:
    _check_buyer(customer)
    quantity = _check_quantity(quantity)
    cart = _open_cart(customer, create=False)
    line = cart.lines.select_related("variant__product").filter(
        variant_id=variant_id).first() if cart else None
    if line is None:
        raise SalesError("line_not_found")
    _check_stock(customer.tenant, line.variant, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    _touch(cart)
    return cart


@transaction.atomic
def cart_remove(*, customer: Customer, variant_id: int) -> Cart:
    _check_buyer(customer)
    cart = _open_cart(customer, create=False)
    if cart is None or not cart.lines.filter(variant_id=variant_id).delete()[0]:
        raise SalesError("line_not_found")
    _touch(cart)
    return cart


@transaction.atomic
def cart_clear(*, customer: Customer) -> None:
    cart = _open_cart(customer, create=False)
    if cart is not None:
        cart.lines.all().delete()
        cart.coupon = None
        _touch(cart)


@transaction.atomic
def cart_apply_coupon(*, customer: Customer, code: str) -> Cart:
    _check_buyer(customer)
    coupon = coupon_by_code(tenant=customer.tenant, code=code or "")
    if coupon is None:
        # Not a coupon: maybe another app's code (an affiliate's), typed where buyers type codes.
        if hooks.code_handled(customer=customer, code=(code or "").strip()):
            return _open_cart(customer, create=True)
        raise SalesError("coupon_not_found")
    cart = _open_cart(customer, create=True)
    items = [(ln.variant, ln.quantity) for ln in
             cart.lines.select_related("variant__product")]
    priced = pricing.price(items=items, coupon=coupon)
    pricing.coupon_check(coupon=coupon, customer=customer, pricing=priced, now=timezone.now())
    cart.coupon = coupon
    _touch(cart)
    return cart


@transaction.atomic
def cart_remove_coupon(*, customer: Customer) -> Cart | None:
    cart = _open_cart(customer, create=False)
    if cart is not None:
        cart.coupon = None
        _touch(cart)
    return cart


def cart_view(*, customer: Customer) -> CartView:
    """The open cart with its prices; an expired cart reads as empty."""
    cart = (Cart.objects.for_tenant(customer.tenant).select_related("coupon")
            .filter(customer=customer, status=Cart.Status.OPEN,
                    expires_at__gt=timezone.now()).first())
    if cart is None:
        return CartView(cart=None, lines=[], pricing=pricing.Pricing())
    lines = list(cart.lines.select_related("variant__product").prefetch_related(
        variant_prices(customer.tenant)))
    coupon = cart.coupon
    if coupon is not None:
        coupon = type(coupon).objects.for_tenant(customer.tenant).prefetch_related(
            "products", "variants").get(pk=coupon.pk)
    priced = pricing.price(items=[(ln.variant, ln.quantity) for ln in lines], coupon=coupon,
                           shop_currency=customer.tenant.currency)
    return CartView(cart=cart, lines=lines, pricing=priced,
                    other_totals=_other_totals(customer.tenant, lines, coupon))


def variant_prices(tenant: Tenant, path: str = "variant__prices") -> Prefetch:
    """Prefetch of the variants' prices in other currencies, scoped to the tenant."""
    return Prefetch(path, queryset=VariantPrice.objects.for_tenant(tenant))


def _other_totals(tenant: Tenant, lines: list[CartLine], coupon) -> dict[str, int]:
    """The cart's total in each other currency that every line has a price in (and its
    coupon allows): what the buyer may choose at checkout. Never a mix of currencies."""
    totals: dict[str, int] = {}
    for currency in SUPPORTED_CURRENCIES:
        if currency == tenant.currency or not lines:
            continue
        try:
            totals[currency] = pricing.price(
                items=[(ln.variant, ln.quantity) for ln in lines], coupon=coupon,
                currency=currency, shop_currency=tenant.currency).total_cents
        except SalesError:
            continue
    return totals
