from __future__ import annotations

from django.core.management import call_command

from tenants.models import InstanceToken, Membership, Tenant, User


def test_load_demo_is_idempotent(db):
    call_command("load_demo")
    call_command("load_demo")
    assert Tenant.objects.filter(slug="loja-demo").count() == 1
    tenant = Tenant.objects.get(slug="loja-demo")
    assert Membership.objects.for_tenant(tenant).count() == 1
    assert InstanceToken.objects.for_tenant(tenant).count() == 1
    operator = User.objects.get(email="admin@vitrine.local")
    assert operator.is_staff and operator.is_superuser
    assert operator.check_password("vitrine-demo")


def test_demo_shop_is_comped_to_pro(db):
    from tenants.models import Subscription

    call_command("load_demo")
    call_command("load_demo")
    tenant = Tenant.objects.get(slug="loja-demo")
    subscription = (Subscription.objects.for_tenant(tenant)
                    .select_related("plan_version__plan").get())
    assert subscription.plan_version.plan.slug == "pro"
    assert subscription.status == "active"


def test_demo_has_a_small_catalog(db):
    from catalog.models import Coupon, Product, StockItem

    call_command("load_demo")
    call_command("load_demo")
    tenant = Tenant.objects.get(slug="loja-demo")
    assert Product.objects.for_tenant(tenant).count() == 3
    assert StockItem.objects.for_tenant(tenant).filter(status="available").count() == 18
    assert Coupon.objects.for_tenant(tenant).filter(code="BEMVINDO10").exists()


def test_demo_shop_is_wired_to_the_discord_sandbox(db):
    """Token, guild and the owner's Discord account are the sandbox demo's (no pasting)."""
    from allauth.socialaccount.models import SocialAccount

    from runtime.models import BotRuntime
    from sandbox.discord.demo import DEMO_BOT_TOKEN, demo_ids

    call_command("load_demo")
    call_command("load_demo")
    tenant = Tenant.objects.get(slug="loja-demo")
    ids = demo_ids()
    assert BotRuntime.objects.for_tenant(tenant).get().discord_token == DEMO_BOT_TOKEN
    assert tenant.discord_guild_id == ids["guild_id"]
    account = SocialAccount.objects.get(provider="discord", uid=ids["owner"]["id"])
    assert account.user == tenant.owner
    assert account.user.email == "dono@vitrine.local"


def test_banner_walks_through_a_first_sale(monkeypatch):
    """The banner names the clicks tests/e2e/test_walkthrough.py makes, on make run's ports."""
    import io

    monkeypatch.setenv("WEB_PORT", "8123")
    monkeypatch.setenv("DISCORD_SANDBOX_PORT", "8623")
    out = io.StringIO()
    call_command("banner", stdout=out)
    text = out.getvalue()
    for step in ("http://127.0.0.1:8123/accounts/login/", "Continuar com o Discord",
                 "Lojista Demo", "Iniciar", "http://127.0.0.1:8623/console", "/loja",
                 "Bronze", "Escolha uma opção", "Comprar", "Carrinho", "Simular pagamento",
                 "Direct messages", "Pedidos", "Carteira"):
        assert step in text, step
