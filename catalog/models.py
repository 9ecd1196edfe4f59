"""Catalog: products, variants, stock items, coupons, message templates and product posts."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from tenants.fields import EncryptedTextField
from tenants.scoping import TenantOwnedModel

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
IMAGE_MAX_BYTES = 8 * 1024 * 1024


def validate_image(upload) -> None:
    """Pillow is not installed: check the extension, the size and the file's magic bytes."""
    ext = PurePosixPath(upload.name or "").suffix.lower()
    if ext not in IMAGE_EXTENSIONS:
        raise ValidationError(_("Use a PNG, JPG, GIF or WebP image."))
    if upload.size > IMAGE_MAX_BYTES:
        raise ValidationError(_("The image must be 8 MB or smaller."))
    head = upload.read(12)
    upload.seek(0)
    magic_ok = (head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff")
                or head[:4] == b"GIF8" or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"))
    if not magic_ok:
        raise ValidationError(_("This file is not a valid image."))


def product_image_path(instance: Product, filename: str) -> str:
    ext = PurePosixPath(filename).suffix.lower()
    digest = hashlib.sha256(filename.encode()).hexdigest()[:16]
    return f"products/{instance.tenant_id}/{digest}{ext}"


class Product(TenantOwnedModel):
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True,
                                   help_text=_("Markdown: **bold**, *italic*, lists and links."))
    image = models.FileField(_("image or GIF"), upload_to=product_image_path, blank=True,
                             validators=[validate_image])
    category = models.CharField(_("category"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    channel_id = models.CharField(_("Discord channel id"), max_length=20, blank=True,
                                  help_text=_("Where the bot posts this product."))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sort_order", "id"]
        indexes = [models.Index(fields=["tenant", "sort_order"])]

    def __str__(self) -> str:
        return self.name


class Fulfillment(models.TextChoices):
    STOCK = "stock", _("Stock items (keys, accounts, codes)")
    CONTENT = "content", _("Same content for every buyer")
    ROLE = "role", _("Discord role only")
    EXTERNAL = "external", _("External fulfillment (webhook)")
    SERVICE = "service", _("Service by API (SMM panel)")


class Variant(TenantOwnedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants",
                                verbose_name=_("product"))
    label = models.CharField(_("label"), max_length=80)
    emoji = models.CharField(_("emoji"), max_length=64, blank=True)
    price_cents = models.BigIntegerField(_("price (centavos)"),
                                         validators=[MinValueValidator(1),
                                                     MaxValueValidator(100_000_000)])
    duration_days = models.PositiveIntegerField(_("duration (days)"), null=True, blank=True,
                                                help_text=_("For timed products: the role is "
                                                            "removed when it ends."))
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    fulfillment = models.CharField(_("what is delivered"), max_length=20,
                                   choices=Fulfillment.choices, default=Fulfillment.STOCK)
    content = EncryptedTextField(_("content"), blank=True, default="",
                                 help_text=_("Text or link sent to every buyer."))
    role_id = models.CharField(_("Discord role id"), max_length=20, blank=True,
                               help_text=_("Granted on delivery; may be combined with stock or "
                                           "content."))
    external_url = models.URLField(_("fulfillment URL"), blank=True)
    external_secret = EncryptedTextField(_("signing secret"), blank=True, default="")
    low_stock_threshold = models.PositiveIntegerField(_("low-stock alert at"), default=5)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_cents__gt=0),
                                   name="variant_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.label}" if self.product_id else self.label

    @property
    def uses_stock(self) -> bool:
        return self.fulfillment == Fulfillment.STOCK

    def price_in(self, currency: str, *, shop_currency: str) -> int | None:
        """The price in `currency`: the main price in the shop's own currency, else the
        VariantPrice row's (None: not sold in that currency). Prefetch `prices` for lists."""
        if currency == shop_currency:
            return self.price_cents
        return next((p.amount_cents for p in self.prices.all() if p.currency == currency), None)

    def clean(self) -> None:
        if self.fulfillment == Fulfillment.ROLE and not self.role_id:
            raise ValidationError({"role_id": _("Give the role id to grant.")})
        if self.fulfillment == Fulfillment.CONTENT and not self.content:
            raise ValidationError({"content": _("Write the content every buyer receives.")})
        if self.fulfillment == Fulfillment.EXTERNAL and not self.external_url:
            raise ValidationError({"external_url": _("Give the URL we call on each sale.")})


class VariantPrice(TenantOwnedModel):
    """A variant's price in another currency than the shop's (issue 23): buyers paying by card
    via Stripe may pay in it. Integer minor units of `currency`; the main price stays on the
    variant (the shop's currency). A currency missing here is simply not offered."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="prices",
                                verbose_name=_("variant"))
    currency = models.CharField(_("currency"), max_length=3)
    amount_cents = models.BigIntegerField(_("price (minor units)"),
                                          validators=[MinValueValidator(1),
                                                      MaxValueValidator(100_000_000)])

    class Meta:
        verbose_name = _("price in another currency")
        verbose_name_plural = _("prices in other currencies")
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "currency"],
                                    name="variantprice_unique_currency"),
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="variantprice_amount_positive"),
            models.CheckConstraint(condition=models.Q(currency__in=["BRL", "USD", "EUR"]),
                                   name="variantprice_currency_known"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} {self.currency} {self.amount_cents}"


class ProductField(TenantOwnedModel):
    """A question the buyer answers when adding the product to the cart (a profile link, an
    e-mail...); the answer travels on the order line to staff and fulfillment. Rules of the
    answers: catalog/fields.py."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        HANDLE = "handle", _("Social handle (@name)")
        URL = "url", _("Link (URL)")
        EMAIL = "email", _("E-mail")
        NUMBER = "number", _("Number")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="fields",
                                verbose_name=_("product"))
    key = models.SlugField(_("key"), max_length=40,
                           help_text=_("Short name used by fulfillment, e.g. “link”."))
    label = models.CharField(_("question"), max_length=45,
                             help_text=_("What the buyer sees (Discord allows 45 characters)."))
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=True)
    pattern = models.CharField(_("validation pattern"), max_length=200, blank=True,
                               help_text=_("Optional regular expression the whole answer must "
                                           "match."))
    placeholder = models.CharField(_("example"), max_length=100, blank=True)
    private = models.BooleanField(_("private"), default=False,
                                  help_text=_("Never written to logs or the audit trail."))
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "key"], name="productfield_unique_key"),
        ]

    def __str__(self) -> str:
        return self.label


class StockItem(TenantOwnedModel):
    """One deliverable secret (a key, an account, a code), encrypted at rest."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        RESERVED = "reserved", _("Reserved")
        SOLD = "sold", _("Sold")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_items",
                                verbose_name=_("product"))
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock_items",
                                verbose_name=_("variant"))
    content = EncryptedTextField()
    # Keyed hash of the content: duplicates are found without decrypting every row.
    fingerprint = models.CharField(max_length=64, verbose_name=_("fingerprint"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AVAILABLE,
                              verbose_name=_("status"))
    # The sales order holding the item (a plain id: catalog does not depend on sales).
    order_ref = models.BigIntegerField(null=True, blank=True, db_index=True,
                                       verbose_name=_("order"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    reserved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reserved at"))
    sold_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sold at"))

    class Meta:
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "fingerprint"],
                                    name="stockitem_unique_in_product"),
        ]
        indexes = [models.Index(fields=["variant", "status", "id"])]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.status})"

    @staticmethod
    def fingerprint_of(content: str) -> str:
        key = settings.SECRET_KEY.encode()
        return hmac.new(key, content.strip().encode(), hashlib.sha256).hexdigest()


class Coupon(TenantOwnedModel):
    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percent")
        FIXED = "fixed", _("Fixed amount")

    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("discount type"), max_length=10, choices=Kind.choices,
                            default=Kind.PERCENT)
    value = models.PositiveBigIntegerField(_("value"), help_text=_(
        "Percent (1 to 100) or amount in centavos."))
    max_uses = models.PositiveIntegerField(_("max total uses"), null=True, blank=True)
    max_uses_per_customer = models.PositiveIntegerField(_("max uses per customer"), null=True,
                                                        blank=True)
    min_order_cents = models.PositiveBigIntegerField(_("minimum order (centavos)"), default=0)
    starts_at = models.DateTimeField(_("valid from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    products = models.ManyToManyField(Product, blank=True, related_name="+",
                                      verbose_name=_("only these products"))
    variants = models.ManyToManyField(Variant, blank=True, related_name="+",
                                      verbose_name=_("only these variants"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint("tenant", Upper("code"), name="coupon_unique_code_ci"),
            models.CheckConstraint(
                condition=~models.Q(kind="percent") | models.Q(value__gte=1, value__lte=100),
                name="coupon_percent_range"),
        ]

    def __str__(self) -> str:
        return self.code

    @staticmethod
    def normalize_code(code: str) -> str:
        """How a code is stored and looked up: NFKC (full-width letters are letters), upper
        case, no surrounding spaces. Upper-casing can lengthen it ("ß" -> "SS"): forms check
        the column's length on this, not on what was typed."""
        return unicodedata.normalize("NFKC", code).upper().strip()

    def save(self, *args, **kwargs) -> None:
        self.code = self.normalize_code(self.code)
        super().save(*args, **kwargs)


class MessageTemplate(TenantOwnedModel):
    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("Delivery DM")
        RECEIPT = "receipt", _("Receipt")
        STAFF = "staff", _("Staff notice")

    kind = models.CharField(_("message"), max_length=20, choices=Kind.choices)
    locale = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    body = models.TextField(_("text"), max_length=4000)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "locale"],
                                    name="messagetemplate_unique_kind_locale"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.locale})"


class ProductPost(TenantOwnedModel):
    """Where the bot shows a product: a channel and the message it posted there."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="posts",
                                verbose_name=_("product"))
    channel_id = models.CharField(max_length=20, verbose_name=_("channel id"))
    message_id = models.CharField(max_length=20, blank=True, verbose_name=_("message id"))
    posted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("posted at"))
    refreshed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refreshed at"))
    needs_refresh = models.BooleanField(default=False, verbose_name=_("needs refresh"))

    class Meta:
        verbose_name = _("product post")
        verbose_name_plural = _("product posts")
        constraints = [
            models.UniqueConstraint(fields=["product", "channel_id"],
                                    name="productpost_unique_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.channel_id}"
