"""Hypothesis against every portal form and every raw POST field a portal view reads.

Each endpoint is posted (or, for filters, fetched) by shop A's owner with valid values in all
fields but up to three, which get a fuzzed value. Properties: no 5xx; a refused request (4xx,
a form re-rendered with errors, or an error message queued for the next page) changes no row.
`test_every_portal_form_is_fuzzed` fails when a new form appears without an endpoint here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django import forms
from django.contrib.messages import constants as message_levels
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

import portal
from portal import forms as pf
from portal import forms_affiliates as aff
from portal import forms_catalog as cf
from portal import forms_credit as crf
from portal import forms_developer as devf
from portal import forms_disputes as df
from portal import forms_growth as gf
from portal import forms_memberships as msf
from portal import forms_payments as payf
from portal import forms_sales as sf
from portal import forms_smm as smmf
from portal import forms_trust as tf
from portal import forms_wallet as wf
from tenants.models import Membership, Role
from tests.boundaries.conftest import PROFILE, World, check_boundary
from tests.boundaries.strategies import ABSENT, NASTY, field_strategy, form_data

Url = Callable[[World], str]


def _t(name: str, *args: Callable[[World], Any]) -> Url:
    return lambda w: reverse(f"portal:{name}", args=[w.shop.tenant.slug, *[a(w) for a in args]])


_product = lambda w: w.product.pk  # noqa: E731
_variant = lambda w: w.variant.pk  # noqa: E731


@dataclass
class Endpoint:
    name: str
    url: Url
    form: type[forms.Form] | None = None
    valid: dict[str, Any] = field(default_factory=dict)  # one valid value per field
    raw: dict[str, st.SearchStrategy] = field(default_factory=dict)  # fields read from POST
    method: str = "post"

    def fields(self, world: World) -> dict[str, tuple[Any, st.SearchStrategy]]:
        out: dict[str, tuple[Any, st.SearchStrategy]] = {}
        if self.form is not None:
            ids = [world.product.pk, world.variant.pk, 0, -1]
            for name, form_field in self.form.base_fields.items():
                valid = self.valid.get(name, ABSENT)
                valid = valid(world) if callable(valid) else valid  # a row of this world
                out[name] = (valid, field_strategy(form_field, ids))
        for name, strategy in self.raw.items():
            out[name] = (self.valid.get(name, ABSENT), st.one_of(strategy, NASTY))
        return out


PRODUCT = {"name": "Chave Nova", "description": "**boa**", "category": "jogos",
           "channel_id": "123456789012345678", "is_active": "on"}
VARIANT = {"label": "90 dias", "emoji": "🔑", "price": "19,90", "duration_days": "",
           "fulfillment": "stock", "content": "", "role_id": "", "external_url": "",
           "external_secret": "", "low_stock_threshold": "5", "is_active": "on",
           # Prices in other currencies (issue 23); price_brl is dropped for a BRL shop.
           "price_usd": "4,50", "price_eur": "", "price_brl": ""}
COUPON = {"code": "NOVO10", "kind": "percent", "amount": "10", "min_order": "",
          "max_uses": "", "max_uses_per_customer": "", "starts_at": "", "ends_at": "",
          "is_active": "on"}
SETTINGS = {"name": "Loja Alfa", "locale": "pt-br", "log_channel_id": "",
            "fallback_channel_id": "", "notify_sales": "on"}
TIER = {"name": "Prata", "description": "", "role_id": "123456789012345678", "price": "19,90",
        "period": "monthly", "trial_days": "0", "kofi_tier_name": "", "active": "on",
        "sort": "0"}
GROWTH = {"recovery_enabled": "on", "recovery_delay_minutes": "30",
          "recovery_coupon_percent": "10", "feed_enabled": "on",
          "feed_channel_id": "123456789012345678", "feed_show_amount": "on",
          "feed_buyer": "name", "customer_role_id": "", "customer_role_remove_on_refund": "on",
          "welcome_enabled": "", "welcome_channel_id": ""}
WORDS = st.sampled_from(["up", "down", "start", "stop", "restart", "activate", "deactivate",
                         "1", "0", "on", "pix", "card", "all"])

ENDPOINTS = [
    Endpoint("instance_create", lambda w: reverse("portal:instance_create"), pf.TenantForm,
             {"name": "Loja Nova", "locale": "pt-br"}),
    Endpoint("settings", _t("settings"), pf.TenantSettingsForm, SETTINGS),
    Endpoint("token_create", _t("token_create"), pf.TokenForm, {"name": "bot"},
             raw={"rotate": WORDS}),
    Endpoint("members", _t("members"), pf.MemberAddForm,
             {"email": "boutsider@example.com", "role": "manager"}),
    Endpoint("member_update", _t("member_update", lambda w: w.membership_pk), pf.MemberRoleForm,
             {"role": "viewer"}, raw={"remove": WORDS}),
    Endpoint("account", lambda w: reverse("portal:account"), pf.AccountForm,
             {"first_name": "Ana", "preferred_language": "en"}),
    Endpoint("product_create", _t("product_create"), cf.ProductForm, PRODUCT),
    Endpoint("product_edit", _t("product_edit", _product), cf.ProductForm, PRODUCT),
    Endpoint("product_move", _t("product_move", _product), raw={"direction": WORDS}),
    Endpoint("product_toggle", _t("product_toggle", _product), raw={"active": WORDS}),
    Endpoint("variant_create", _t("variant_create", _product), cf.VariantForm, VARIANT),
    Endpoint("variant_edit", _t("variant_edit", _variant), cf.VariantForm, VARIANT),
    Endpoint("variant_arrange", _t("variant_arrange", _variant), raw={"action": WORDS}),
    Endpoint("stock", _t("stock", _variant), cf.StockUploadForm, {"text": "KEY-A\nKEY-B"}),
    Endpoint("stock_remove", _t("stock_remove", _variant),
             raw={"item": st.lists(st.integers(-(2**70), 2**70).map(str) | NASTY, max_size=3),
                  "all": WORDS}),
    Endpoint("coupons", _t("coupons"), cf.CouponForm, COUPON),
    Endpoint("coupon_edit", _t("coupon_edit", lambda w: w.coupon_pk), cf.CouponForm,
             {**COUPON, "code": "PROMO10"}),
    Endpoint("templates", _t("templates"), cf.TemplateForm,
             {"kind": "delivery", "locale": "pt-br", "body": "Olá {buyer}!"}),
    Endpoint("template_preview", _t("template_preview"), raw={"body": st.text(max_size=200)},
             valid={"body": "Olá {buyer}"}),
    Endpoint("payment_refund", _t("payment_refund", lambda w: w.payment.public_id),
             payf.RefundForm, {"reason": "desistiu", "amount": "1,00"},
             raw={"next": st.sampled_from(["/", "//evil.example", "javascript:alert(1)"])}),
    Endpoint("payment_confirm", _t("payment_confirm", lambda w: w.payment.public_id),
             raw={"next": st.sampled_from(["/", "//evil.example"])}),
    Endpoint("order_cancel", _t("order_cancel", lambda w: w.order.code)),
    Endpoint("customer_block", _t("customer_block", lambda w: w.customer.pk),
             raw={"blocked": WORDS}),
    Endpoint("bot_action", _t("bot"), raw={"action": WORDS}),
    Endpoint("bot_token", _t("bot_token"), raw={"token": st.text(max_size=120)}),
    Endpoint("wallet_withdraw", _t("wallet_withdraw"), wf.WithdrawalForm,
             {"amount": "10,00", "pix_key_type": "cpf", "pix_key": "529.982.247-25"}),
    Endpoint("orders", _t("orders"), sf.OrderFilterForm, method="get",
             raw={"page": NASTY}),
    Endpoint("customers", _t("customers"), sf.CustomerSearchForm, method="get",
             raw={"page": NASTY}),
    Endpoint("wallet_statement", _t("wallet_statement"), wf.StatementFilterForm, method="get",
             raw={"page": NASTY, "format": st.sampled_from(["csv", "html", ""])}),
    Endpoint("growth_settings", _t("growth_settings"), gf.GrowthSettingsForm, GROWTH),
    Endpoint("growth_analytics", _t("growth_analytics"), gf.AnalyticsPeriodForm, method="get",
             raw={"format": st.sampled_from(["csv", "html", ""]),
                  "table": st.sampled_from(["products", "daily", ""])}),
    Endpoint("plan_checkout", _t("plan_checkout", lambda w: w.subscription_pk),
             raw={"version": NASTY, "method": WORDS}),
    Endpoint("plan_downgrade", _t("plan_downgrade", lambda w: w.subscription_pk),
             raw={"version": NASTY}),
    Endpoint("plan_cancel", _t("plan_cancel", lambda w: w.subscription_pk),
             raw={"cancel": WORDS}),
    Endpoint("credit_settings", _t("credit_settings"), crf.CreditSettingsForm,
             {"topup_enabled": "on", "min_amount": "5,00", "max_amount": "200,00",
              "bonus_percent": "5"}),
    Endpoint("affiliates_settings", _t("affiliates_settings"), aff.AffiliateSettingsForm,
             {"enabled": "on", "percent": "10"}),
    Endpoint("affiliates_product_percent", _t("affiliates_product_percent", _product),
             aff.ProductCommissionForm, {"percent": "20"}),
    Endpoint("giftcards_create", _t("giftcards_create"), crf.GiftCardCreateForm,
             {"variant": "1", "count": "2"}),
    Endpoint("order_refund_to_credit", _t("order_refund_to_credit", lambda w: w.order.code),
             crf.CreditRefundForm, {"reason": "troca", "amount": "1,00"}),
    Endpoint("membership_tiers", _t("membership_tiers"), msf.TierForm, TIER),
    Endpoint("membership_tier_edit", _t("membership_tier_edit", lambda w: w.tier_pk),
             msf.TierForm, {**TIER, "name": "Ouro"}),
    Endpoint("membership_grant", _t("membership_grant"), msf.NewGrantForm,
             {"tier": lambda w: w.tier_pk, "days": "30", "reason": "presente",
              "discord_user_id": "111111111111111111"}),
    Endpoint("membership_member", _t("membership_member", lambda w: w.ms_member_pk),
             msf.GrantForm, {"tier": lambda w: w.tier_pk, "days": "30", "reason": "ajuste"}),
    Endpoint("membership_settings", _t("membership_settings"), msf.MembershipSettingsForm,
             {"reminder_days": "3", "grace_days": "3", "dunning_max": "3",
              "template_reminder": "Oi {name}", "template_dunning": "", "template_ended": "",
              "kofi_token": "tok", "kofi_donation_tier": "", "kofi_donation_days": "30",
              "kofi_donation_min": "5,00"}),
    Endpoint("memberships", _t("memberships"), method="get",
             raw={"status": WORDS, "q": NASTY}),
    Endpoint("payment_settings", _t("payment_settings"), payf.PaymentSettingsForm,
             {"mp_account": "platform", "card_enabled": "on", "stripe_card_enabled": ""}),
    Endpoint("mp_connect", _t("mp_connect")),
    Endpoint("mp_disconnect", _t("mp_disconnect")),
    Endpoint("mp_connect_callback", lambda w: reverse("portal:mp_connect_callback"),
             method="get", raw={"code": st.text(max_size=60), "state": st.text(max_size=200),
                                "error": WORDS}),
    Endpoint("disputes", _t("disputes"), df.DisputeFilterForm, method="get"),
    Endpoint("dispute_outcome", _t("dispute_outcome", lambda w: w.dispute_pk),
             df.DisputeOutcomeForm, {"outcome": "won"}),
    Endpoint("dispute_unblock", _t("dispute_unblock", lambda w: w.dispute_pk),
             raw={"blocked": WORDS}),
    Endpoint("product_fields", _t("product_fields", _product), smmf.ProductFieldForm,
             {"label": "Link do perfil", "key": "perfil", "kind": "url", "required": "on",
              "pattern": "", "placeholder": "", "private": ""}),
    Endpoint("product_field_delete", _t("product_field_delete", lambda w: w.field_pk)),
    # Loopback URL: the panel is asked by a worker after the commit, never from the request.
    Endpoint("smm_panel", _t("smm_panel"), smmf.PanelForm,
             {"url": "http://127.0.0.1:9/api/v2", "api_key": "chave",
              "balance_alert_below": "10"}),
    Endpoint("developers_key", _t("developers"), devf.ApiKeyForm,
             {"form": "key", "name": "ERP", "scopes": ["orders:read"]},
             raw={"form": st.just("key")}),
    Endpoint("developers_webhook", _t("developers"), devf.WebhookEndpointForm,
             {"url": "https://93.184.216.34/hooks", "events": ["order.paid"]},
             raw={"form": st.just("webhook")}),
    Endpoint("api_key_revoke", _t("api_key_revoke", lambda w: w.api_key_pk)),
    Endpoint("webhook_rotate", _t("webhook_rotate", lambda w: w.endpoint_pk)),
    Endpoint("webhook_delete", _t("webhook_delete", lambda w: w.endpoint_pk)),
    Endpoint("webhook_resend", _t("webhook_resend", lambda w: w.webhook_delivery_pk)),
    Endpoint("smm_service", _t("smm_service", lambda w: w.service_variant_pk),
             smmf.ServiceMappingForm,
             {"service_id": "1", "quantity_per_unit": "1000", "link_field": "link",
              "refill": "on"}),
    Endpoint("trust_reviews", _t("trust_reviews"), tf.ReviewFilterForm, method="get",
             raw={"page": NASTY}),
    Endpoint("trust_review_settings", _t("trust_review_settings"), tf.ReviewSettingsForm,
             {"reviews_enabled": "on", "reviews_channel_id": "123456789012345678"}),
    Endpoint("trust_review_reply", _t("trust_review_reply", lambda w: w.review_pk),
             tf.ReviewReplyForm, {"reply": "Obrigado!"}),
    Endpoint("trust_review_hide", _t("trust_review_hide", lambda w: w.review_pk),
             tf.ReviewHideForm, {"reason": "ofensivo"}, raw={"show": WORDS}),
    Endpoint("trust_blocks", _t("trust_blocks"), tf.BlockForm,
             {"discord_user_id": "123456789", "payer_email": "", "reason": "golpe",
              "expires_at": ""}),
    Endpoint("trust_block_remove", _t("trust_block_remove", lambda w: w.block_pk)),
    Endpoint("trust_rules", _t("trust_rules"), tf.RiskRulesForm,
             {"min_account_age_days": "7", "max_orders_per_hour": "3",
              "max_orders_per_day": "10", "max_amount_per_hour": "100,00",
              "max_amount_per_day": "1.000,00", "review_first_purchase_above": "500"}),
    Endpoint("order_release", _t("order_release", lambda w: w.paid_order.code)),
]
# bot_action posts to its own URL; the bot page itself is GET only.
ENDPOINTS[[e.name for e in ENDPOINTS].index("bot_action")].url = _t("bot_action")


@pytest.fixture
def portal_world(world: World) -> World:
    from catalog.models import Coupon
    from tenants.models import Subscription

    tenant = world.shop.tenant
    world.membership_pk = Membership.objects.for_tenant(tenant).get(role=Role.MANAGER).pk
    world.coupon_pk = Coupon.objects.for_tenant(tenant).get(code="PROMO10").pk
    sub = Subscription.objects.for_tenant(tenant).first()
    world.subscription_pk = sub.pk if sub else 1
    _memberships(world)
    world.dispute_pk = open_dispute(world.payment).pk
    _smm_rows(world)
    from trust.models import Review
    from trust.services import block_add

    world.review_pk = Review.objects.create(tenant=tenant, order=world.paid_order,
                                            customer=world.customer, stars=4).pk
    world.block_pk = block_add(tenant=tenant, discord_user_id="424242", reason="golpe",
                               actor=world.shop.owner).pk
    return world


def _memberships(world: World) -> None:
    from memberships import services as memberships
    from memberships.models import Tier

    tier = Tier.objects.create(tenant=world.shop.tenant, name="Ouro", role_id="1" * 18,
                               price_cents=4990)
    member = memberships.member_grant(tenant=world.shop.tenant, actor=world.shop.owner,
                                      customer=world.customer, tier=tier, days=30,
                                      reason="fuzz")
    world.tier_pk, world.ms_member_pk = tier.pk, member.pk
def open_dispute(payment):
    """A chargeback opened on the paid order, as its provider's truth says (disputes)."""
    from disputes.models import Dispute
    from disputes.services import dispute_apply
    from disputes.truth import DisputeTruth

    dispute_apply(truth=DisputeTruth(
        provider="mercadopago", external_id=f"cb-{payment.pk}", kind="chargeback",
        provider_payment_id=payment.provider_payment_id, amount_cents=None, currency="BRL",
        reason="fraud", deadline_at=None, outcome="", status="pending"))
    return Dispute.objects.for_tenant(payment.tenant_id).get(payment=payment)
def _smm_rows(world: World) -> None:
    """A product asking for a link, with a variant delivered by an SMM panel service."""
    from catalog.models import ProductField
    from tests.sales import factories as f

    tenant = world.shop.tenant
    product = f.product(tenant, "Seguidores")
    field = ProductField.objects.create(tenant=tenant, product=product, key="link",
                                        label="Link", kind="url")
    world.field_pk = field.pk
    world.service_variant_pk = f.variant(product, "1000", fulfillment="service").pk
    from developer import keys, webhooks
    from developer.models import WebhookDelivery

    world.api_key_pk = keys.key_create(tenant=tenant, actor=world.shop.owner, name="erp",
                                       scopes=["orders:read"])[0].pk
    endpoint, _secret = webhooks.endpoint_create(tenant=tenant, actor=world.shop.owner,
                                                 url="https://93.184.216.34/h",
                                                 events=["order.paid"])
    world.endpoint_pk = endpoint.pk
    world.webhook_delivery_pk = WebhookDelivery.objects.create(
        tenant=tenant, endpoint=endpoint, event="order.paid", payload={}, state="failed").pk


def _refused(response) -> bool:
    if 400 <= response.status_code < 500:
        return True
    context = response.context
    if context is not None:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if isinstance(value, forms.BaseForm) and value.is_bound and value.errors:
                return True
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return any(m.level >= message_levels.ERROR for m in queued)


def _send(client: Client, endpoint: Endpoint, url: str, data: dict):
    if endpoint.method == "get":
        flat = {k: v for k, v in data.items() if not hasattr(v, "read")}
        return client.get(url, flat)
    return client.post(url, data)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
@settings(PROFILE)
@given(data=st.data())
def test_portal_endpoint(endpoint: Endpoint, portal_world: World, data) -> None:
    world = portal_world
    client = Client()
    client.force_login(world.shop.owner)
    url = endpoint.url(world)
    body = data.draw(form_data(endpoint.fields(world)), label="form")
    for value in body.values():
        if hasattr(value, "seek"):
            value.seek(0)

    check_boundary(f"portal[{endpoint.name}]", lambda: _send(client, endpoint, url, body),
                   refused=_refused)

def _portal_forms() -> set[type[forms.Form]]:
    found = set()
    for module_info in pkgutil.iter_modules(portal.__path__):
        if module_info.name.startswith("forms"):
            module = importlib.import_module(f"portal.{module_info.name}")
            for _name, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__ \
                        and obj.base_fields:
                    found.add(obj)
    return found


def test_every_portal_form_is_fuzzed() -> None:
    covered = {e.form for e in ENDPOINTS if e.form is not None}
    assert _portal_forms() - covered == set()
