"""Rules on the platform, not only in the bot: every staff-only Bot API endpoint checks the staff
claim (403 in the API's error shape otherwise), product posts are gated by what the product and
the plan allow, /vincular's key must be this shop's, and the card rule is one selector."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import get_resolver
from django.utils import timezone

from catalog.models import ProductPost
from catalog.services import PostNotAllowed, post_record, product_set_active
from sales import selectors, services
from sales.api.base import BotAPIView
from sales.models import Delivery
from tenants.models import Plan, PlanVersion, Subscription
from tenants.services import (
    KeyNotOwned,
    instance_token_create,
    instance_token_revoke,
    tenant_link_guild_by_key,
)
from tests.api.test_staff_and_resend import _paid
from tests.sales import factories as f

pytestmark = pytest.mark.django_db

GUILD = "55"
STAFF_ROLE = {"user_id": "42", "guild_id": GUILD, "role_ids": ["1", "66"]}
BUYER = {"user_id": "43", "guild_id": GUILD, "role_ids": ["1"]}
FORBIDDEN = {"error": {"code": "forbidden", "message": "Só a equipe da loja pode fazer isso."}}


@pytest.fixture
def linked(shop):
    tenant = shop.tenant
    tenant.discord_guild_id, tenant.staff_role_id = GUILD, "66"
    tenant.save(update_fields=["discord_guild_id", "staff_role_id"])
    return shop


def one_product_plan(tenant) -> None:
    """Put `tenant` on a plan that allows one active product (whatever plans are seeded: a
    transactional test may have flushed them)."""
    plan, _ = Plan.objects.get_or_create(slug="one-product", defaults={"name": "Um produto"})
    version, _ = PlanVersion.objects.get_or_create(plan=plan, version=1,
                                                   defaults={"max_active_products": 1})
    now = timezone.now()
    Subscription.objects.for_tenant(tenant).update_or_create(tenant=tenant, defaults={
        "plan_version": version, "current_period_start": now,
        "current_period_end": now + timedelta(days=30)})


def _staff_routes() -> list[tuple[str, str]]:
    """(route, method) of every Bot API view method marked staff-only."""
    found = []
    for pattern in get_resolver("sales.api_urls").url_patterns:
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and issubclass(view, BotAPIView):
            found += [(str(pattern.pattern), m) for m in sorted(view.staff_methods)]
    return found


def test_the_staff_only_endpoints_are_the_staff_commands():
    assert _staff_routes() == [("orders/<str:code>/deliver/", "POST"),
                               ("orders/<str:code>/refund/", "POST"),
                               ("products/<int:product_id>/posts/", "POST")]


def _calls(order, product) -> dict[str, tuple[str, dict]]:
    return {"deliver": (f"orders/{order.code}/deliver/", {}),
            "refund": (f"orders/{order.code}/refund/", {"reason": "pediu"}),
            "post": (f"products/{product.pk}/posts/", {})}


@pytest.mark.parametrize("endpoint", ["deliver", "refund", "post"])
def test_non_staff_is_refused_403_and_nothing_changes(bot, linked, mp, endpoint):
    order = _paid(mp, linked.tenant, "700")
    product = f.product(linked.tenant, name="Postável")
    f.variant(product, keys=1)
    path, extra = _calls(order, product)[endpoint]
    for claim in (BUYER, {"user_id": "43"}, {**STAFF_ROLE, "guild_id": "56"}):
        refused = bot.post(path, {**claim, **extra})
        assert refused.status_code == 403, (claim, refused.content)
        assert refused.json()["error"]["code"] == "forbidden"
    assert bot.post(path, {**BUYER, **extra}).json() == FORBIDDEN
    assert bot.post(path, extra).status_code == 400  # no claim at all: invalid_request
    assert services.order_payment(order=order).refunded_cents == 0
    assert Delivery.objects.for_tenant(linked.tenant).filter(
        state=Delivery.State.PENDING).count() == 1  # /entregar did not requeue


@pytest.mark.parametrize("endpoint", ["deliver", "refund", "post"])
def test_staff_role_is_accepted(bot, linked, mp, endpoint):
    order = _paid(mp, linked.tenant, "700")
    product = f.product(linked.tenant, name="Postável")
    f.variant(product, keys=1)
    path, extra = _calls(order, product)[endpoint]
    answer = bot.post(path, {**STAFF_ROLE, **extra})
    assert answer.status_code == 200, answer.content
    by_permission = bot.post(path, {"user_id": "9", "guild_id": GUILD, "manage_guild": True,
                                    **extra})
    assert by_permission.status_code in (200, 409)  # refund: already refunded by the first


def test_post_allow_answers_the_product_to_post(bot, linked):
    product = f.product(linked.tenant, name="Curso")
    f.variant(product, label="Vitalício", price_cents=10000, keys=2)
    hidden = f.variant(product, label="Velho", keys=1)
    hidden.is_active = False
    hidden.save(update_fields=["is_active"])
    body = bot.post(f"products/{product.pk}/posts/", STAFF_ROLE).json()
    assert body["name"] == "Curso" and [v["label"] for v in body["variants"]] == ["Vitalício"]


def test_a_product_not_for_sale_cannot_be_posted(bot, linked, shop):
    product = f.product(linked.tenant, name="Antigo")
    f.variant(product, keys=1)
    post_record(product=product, channel_id="10", message_id="11")
    product_set_active(product=product, actor=shop.owner, active=False)
    refused = bot.post(f"products/{product.pk}/posts/", STAFF_ROLE)
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "post_not_allowed", "message": "“Antigo” não está à venda, então não pode ser "
                                               "postado."}
    new = bot.put(f"products/{product.pk}/posts/", {"channel_id": "10", "message_id": "12"})
    assert new.status_code == 409 and new.json()["error"]["code"] == "post_not_allowed"
    # The refresh loop re-records the message it took the buttons off: always accepted.
    same = bot.put(f"products/{product.pk}/posts/", {"channel_id": "10", "message_id": "11"})
    assert same.status_code == 200
    assert ProductPost.objects.for_tenant(shop.tenant).get().message_id == "11"
    with pytest.raises(PostNotAllowed):
        post_record(product=product, channel_id="20", message_id="13")


def test_products_past_the_plans_limit_cannot_be_posted(bot, linked, shop):
    first = f.product(linked.tenant, name="Primeiro")
    f.variant(first, keys=1)
    second = f.product(linked.tenant, name="Segundo")
    f.variant(second, keys=1)
    one_product_plan(shop.tenant)
    assert bot.post(f"products/{first.pk}/posts/", STAFF_ROLE).status_code == 200
    assert bot.post(f"products/{second.pk}/posts/", STAFF_ROLE).status_code == 409


def test_link_key_must_be_an_active_key_of_this_shop(shop, other_shop):
    _t, mine = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    _t, theirs = instance_token_create(tenant=other_shop.tenant, actor=other_shop.owner)
    for key in (theirs, "vtr_nope_nope", ""):
        with pytest.raises(KeyNotOwned):
            tenant_link_guild_by_key(tenant=shop.tenant, key=key, guild_id=GUILD)
    token, revoked = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    instance_token_revoke(token=token, actor=shop.owner)
    with pytest.raises(KeyNotOwned):
        tenant_link_guild_by_key(tenant=shop.tenant, key=revoked, guild_id=GUILD)
    shop.tenant.refresh_from_db()
    assert shop.tenant.discord_guild_id == ""
    linked = tenant_link_guild_by_key(tenant=shop.tenant, key=mine, guild_id=GUILD)
    assert linked.discord_guild_id == GUILD


def test_card_rule_is_one_selector(shop, bot):
    tenant = shop.tenant
    assert selectors.payment_methods(tenant=tenant) == ["pix"]
    tenant.settings = {**tenant.settings, "card_enabled": True}
    tenant.save(update_fields=["settings"])
    # The trial plan has no card: the shop's choice alone is not enough, everywhere.
    assert not selectors.card_payments_enabled(tenant=tenant)
    assert bot.get("settings/").json()["card_enabled"] is False
    assert services.payment_methods(tenant) == ["pix"]
