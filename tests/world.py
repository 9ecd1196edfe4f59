"""A platform with a row of every kind: the demo shop, a paid and delivered-to order, a released
sale, a withdrawal waiting, audit events. Page sweeps (admin, i18n, screenshots) walk it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from tenants.models import Tenant, User


@dataclass
class World:
    tenant: Tenant
    owner: User
    operator: User
    order_id: int
    payment_uuid: str
    dispute_id: int = 0


def build(mp) -> World:
    """`mp` is a running MercadoPagoSandbox with the settings pointed at it."""
    from catalog.models import Variant
    from payments import services as payments
    from payments.models import WebhookEvent
    from runtime.services import runtime_set_desired
    from sales import services
    from sales.models import Customer
    from wallet import services as wallet

    call_command("load_demo", stdout=_Null())
    tenant = Tenant.objects.get(slug="loja-demo")
    owner = tenant.owner
    operator = User.objects.get(email=settings.DEMO_OPERATOR_EMAIL)
    buyer = Customer.objects.for_tenant(tenant).create(tenant=tenant, discord_user_id="4242",
                                                       display_name="Comprador Demo")
    variant = Variant.objects.for_tenant(tenant).filter(label="Bronze").get()
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=2)
    result = services.checkout(customer=buyer)
    mp.approve(result.payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=result.payment.provider_payment_id)
    wallet.releases_run(now=timezone.now() + timedelta(days=60))
    wallet.withdrawal_request(tenant=tenant, actor=owner, amount_cents=1000,
                              pix_key_type="email", pix_key="dona@example.com")
    runtime_set_desired(tenant=tenant, state="stopped", reason="demo")
    WebhookEvent.objects.create(event_id="demo-1", topic="payment", action="payment.updated",
                                data_id=result.payment.provider_payment_id,
                                payment=result.payment, state=WebhookEvent.State.PROCESSED)
    _memberships(tenant, owner, buyer)
    _smm_sale(tenant, buyer, mp)
    _developer_rows(tenant, owner)
    _trust(tenant, owner, buyer, result.order)
    return World(tenant=tenant, owner=owner, operator=operator, order_id=result.order.pk,
                 payment_uuid=str(result.payment.public_id), dispute_id=_dispute(mp, variant))


def _dispute(mp, variant) -> int:
    """A second buyer's PIX order, then returned through MED (an open dispute, its deadline)."""
    from disputes.models import Dispute
    from disputes.services import dispute_apply
    from disputes.truth import DisputeTruth
    from payments import services as payments
    from sales import services
    from sales.models import Customer

    tenant = variant.tenant
    buyer = Customer.objects.for_tenant(tenant).create(
        tenant=tenant, discord_user_id="1191168914264948745", display_name="Comprador Contestador")
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    result = services.checkout(customer=buyer)
    mp.approve(result.payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=result.payment.provider_payment_id)
    dispute_apply(truth=DisputeTruth(
        provider="mercadopago", external_id="claim-5033100777", kind="med",
        provider_payment_id=result.payment.provider_payment_id, amount_cents=None,
        currency="BRL", reason="PDM9007", deadline_at=timezone.now() + timedelta(days=6),
        outcome="", status="dispute opened"))
    from trust.models import Review

    # The buyer had praised the order before disputing it: the evidence bundle shows that.
    Review.objects.create(tenant=tenant, order=result.order, customer=buyer, stars=5,
                          comment="Chave chegou na hora, funcionou!")
    return Dispute.objects.for_tenant(tenant).get(payment=result.payment).pk


def _memberships(tenant: Tenant, owner: User, buyer) -> None:
    """A tier and a member, so the memberships pages have rows to show."""
    from memberships import services as memberships
    from memberships.models import Tier

    tier = Tier.objects.create(tenant=tenant, name="VIP", role_id="123456789012345678",
                               price_cents=2990, period="monthly", trial_days=7,
                               description="Canal VIP e cargo no servidor")
    Tier.objects.create(tenant=tenant, name="VIP Anual", role_id="123456789012345679",
                        price_cents=29900, period="yearly", kofi_tier_name="VIP Club")
    memberships.member_grant(tenant=tenant, actor=owner, customer=buyer, tier=tier, days=30,
                             reason="demo")


def _smm_sale(tenant: Tenant, buyer, mp) -> None:
    """A service sold through an SMM panel: a product asking for a link, its variant mapped to
    a panel service, the shop's panel, and a paid order whose panel order is in progress."""
    from catalog.models import Product, ProductField, Variant
    from payments import services as payments
    from sales import services
    from sales.models import Delivery
    from smm.models import Panel, PanelOrder, Refill, ServiceMapping

    product = Product.objects.create(tenant=tenant, name="Seguidores Instagram",
                                     description="Seguidores reais, entrega gradual.")
    ProductField.objects.create(tenant=tenant, product=product, key="link",
                                label="Link do perfil", kind="url",
                                placeholder="https://instagram.com/seu.perfil")
    ProductField.objects.create(tenant=tenant, product=product, key="email", label="E-mail",
                                kind="email", required=False, private=True, sort_order=1)
    variant = Variant.objects.create(tenant=tenant, product=product, label="1000 seguidores",
                                     price_cents=2990, fulfillment="service")
    ServiceMapping.objects.create(tenant=tenant, variant=variant, service_id=1,
                                  quantity_per_unit=1000, link_field="link", refill=True)
    Panel.objects.create(tenant=tenant, url="http://127.0.0.1:9/api/v2", api_key="demo",
                         balance_alert_below=20, balance=12, balance_currency="USD",
                         balance_checked_at=timezone.now(),
                         balance_alerted_at=timezone.now())
    services.cart_add(customer=buyer, variant_id=variant.pk,
                      answers={"link": "https://instagram.com/comprador.demo",
                               "email": "comprador@example.com"})
    result = services.checkout(customer=buyer)
    mp.approve(result.payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=result.payment.provider_payment_id)
    delivery = Delivery.objects.for_tenant(tenant).get(order=result.order)
    Delivery.objects.for_tenant(tenant).filter(pk=delivery.pk).update(state="waiting")
    panel_order = PanelOrder.objects.create(
        tenant=tenant, delivery=delivery, order=result.order, service_id=1,
        link="https://instagram.com/comprador.demo", quantity=1000, panel_order_id="1001",
        status="in_progress", charge="0.90", start_count=350, remains=420,
        next_check_at=timezone.now() + timedelta(minutes=5), checks=2)
    # An earlier refill of the same order, done (the admin lists refills too).
    Refill.objects.create(tenant=tenant, panel_order=panel_order, panel_refill_id="7",
                          status="Completed")
def _trust(tenant: Tenant, owner: User, buyer, order) -> None:
    """A review with a reply, a shop block, a platform block and some risk rules."""
    from catalog.models import Product
    from trust import services as trust
    from trust.models import Review

    review = Review.objects.create(tenant=tenant, order=order, customer=buyer, stars=5,
                                   comment="Chegou na hora, tudo certo. Recomendo!",
                                   reply="Obrigado pela preferência!",
                                   replied_at=timezone.now())
    review.products.set(Product.objects.for_tenant(tenant).filter(
        variants__label="Bronze").distinct())
    trust.block_add(tenant=tenant, discord_user_id="987654321098765432",
                    reason="Chargeback no cartão", actor=owner, source="dispute")
    trust.block_add(tenant=None, discord_user_id="876543210987654321",
                    reason="Golpes em várias lojas", actor=None, source="platform")
    trust.trust_settings_update(tenant=tenant, actor=owner, min_account_age_days=7,
                                max_orders_per_hour=5, review_first_purchase_above_cents=50000)


class _Null:
    def write(self, *_: object) -> None:
        pass


def _developer_rows(tenant: Tenant, owner: User) -> None:
    """An API key, a webhook endpoint and its delivery log (one sent, one failing)."""
    from developer import keys, webhooks
    from developer.models import WebhookDelivery

    keys.key_create(tenant=tenant, actor=owner, name="ERP", scopes=["orders:read",
                                                                    "stock:read"])
    endpoint, _secret = webhooks.endpoint_create(tenant=tenant, actor=owner,
                                                 url="https://erp.example.com/vitrine/hooks",
                                                 events=["order.paid", "order.refunded"])
    WebhookDelivery.objects.create(tenant=tenant, endpoint=endpoint, event="order.paid",
                                   payload={}, state="done", attempts=1, last_status=200,
                                   done_at=timezone.now())
    WebhookDelivery.objects.create(tenant=tenant, endpoint=endpoint, event="order.refunded",
                                   payload={}, state="pending", attempts=2, last_status=503,
                                   last_error="HTTP 503",
                                   next_attempt_at=timezone.now() + timedelta(minutes=30))
