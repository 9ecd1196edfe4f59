"""Seed the embedded demo: an operator, a shop owner and their shop. Safe to run again.

The shop is wired to the Discord sandbox's `--demo` world (sandbox/discord/demo.py): its bot
token, its linked guild, and the sandbox user "Lojista Demo" as the owner's Discord account, so
"Continuar com o Discord" reaches loja-demo and "Iniciar" starts a bot that works at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from tenants.models import InstanceToken, Tenant, User
from tenants.services import instance_token_create, tenant_create

DEMO_TENANT_SLUG = "loja-demo"


class Command(BaseCommand):
    help = "Create the demo operator, shop owner and instance (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        operator = _user(settings.DEMO_OPERATOR_EMAIL, "Operador", staff=True)
        owner = _user(settings.DEMO_OWNER_EMAIL, "Dona Demo", staff=False)
        tenant = Tenant.objects.filter(slug=DEMO_TENANT_SLUG).first()
        if tenant is None:
            tenant = tenant_create(owner=owner, name="Loja Demo")
            tenant.slug = DEMO_TENANT_SLUG
            tenant.save(update_fields=["slug"])
        _comp_pro(tenant, operator)
        _catalog(tenant, owner)
        _discord(tenant, owner)
        if not InstanceToken.objects.for_tenant(tenant).filter(revoked_at__isnull=True).exists():
            _, plaintext = instance_token_create(tenant=tenant, actor=owner, name="demo bot")
            self.stdout.write(f"demo instance token (shown once): {plaintext}")
        self.stdout.write(self.style.SUCCESS(
            f"demo ready: operator {operator.email}, owner {owner.email}, "
            f"instance {tenant.slug}"
        ))


def _catalog(tenant: Tenant, owner: User) -> None:
    """A small catalog: keys from stock, a timed VIP role, a guide, and a coupon."""
    from catalog import services
    from catalog.models import Fulfillment, Product

    if Product.objects.for_tenant(tenant).exists():
        return
    game = services.product_save(
        tenant=tenant, actor=owner, name="Chave Steam Aleatória", category="Jogos",
        description="Uma chave de jogo **Steam** entregue na hora por DM.")
    for label, price, count in (("Bronze", 990, 12), ("Ouro", 2990, 6)):
        variant = services.variant_save(product=game, actor=owner, label=label,
                                        price_cents=price, fulfillment=Fulfillment.STOCK)
        services.stock_add(variant=variant, actor=owner,
                           lines=[f"DEMO-{label.upper()}-{i:04d}-XKCD" for i in range(count)])
    vip = services.product_save(tenant=tenant, actor=owner, name="Cargo VIP", category="Cargos",
                                description="Acesso aos canais VIP do servidor.")
    services.variant_save(product=vip, actor=owner, label="30 dias", price_cents=1500,
                          duration_days=30, fulfillment=Fulfillment.ROLE, role_id="1")
    guide = services.product_save(tenant=tenant, actor=owner, name="Guia de Farm", category="Guias",
                                  description="PDF com as melhores rotas.")
    services.variant_save(product=guide, actor=owner, label="PDF", price_cents=500,
                          fulfillment=Fulfillment.CONTENT,
                          content="https://example.com/guia-de-farm.pdf")
    services.coupon_save(tenant=tenant, actor=owner, code="BEMVINDO10", kind="percent", value=10)


def _discord(tenant: Tenant, owner: User) -> None:
    """The sandbox demo's bot token, guild and owner account (ids are deterministic)."""
    from allauth.socialaccount.models import SocialAccount

    from runtime.services import runtime_for, runtime_set_discord_token
    from sandbox.discord.demo import demo_ids
    from tenants.services import tenant_link_guild

    ids = demo_ids()
    if runtime_for(tenant=tenant).discord_token != ids["bot_token"]:
        runtime_set_discord_token(tenant=tenant, token=ids["bot_token"], actor=owner)
    if tenant.discord_guild_id != ids["guild_id"]:
        tenant_link_guild(tenant=tenant, guild_id=ids["guild_id"], actor=owner)
    discord_owner = ids["owner"]
    SocialAccount.objects.update_or_create(
        provider="discord", uid=discord_owner["id"],
        defaults={"user": owner, "extra_data": discord_owner})


def _comp_pro(tenant: Tenant, operator: User) -> None:
    """The demo shop runs on Pro for years, so beat never suspends it mid-demo."""
    from billing.services import subscription_extend_manual
    from tenants.models import PlanVersion, Subscription

    subscription = Subscription.objects.for_tenant(tenant).select_related("plan_version").first()
    pro = PlanVersion.objects.filter(plan__slug="pro", active=True).order_by("-pk").first()
    if subscription is None or pro is None or subscription.plan_version_id == pro.pk:
        return
    subscription_extend_manual(subscription=subscription, actor=operator, days=3650,
                               reason="demo", version=pro)


def _user(email: str, name: str, *, staff: bool) -> User:
    user, created = User.objects.get_or_create(
        username=email.split("@")[0],
        defaults={"email": email, "first_name": name, "is_staff": staff, "is_superuser": staff},
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
        _verified_email(user)
    return user


def _verified_email(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(user=user, email=user.email,
                                       defaults={"verified": True, "primary": True})
