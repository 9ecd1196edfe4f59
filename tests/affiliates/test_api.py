"""Bot API for affiliates: join and stats, using a code, refusals, other shops see nothing."""

from __future__ import annotations

from affiliates.models import Affiliate, Referral
from tests.sales import factories as f


def _on(tenant):
    tenant.settings = {**tenant.settings, "affiliate_enabled": True, "affiliate_percent": 7}
    tenant.save()


def test_join_use_and_refusals(shop, bot, other_bot):
    _on(shop.tenant)
    f.customer(shop.tenant, discord_user_id="10")
    f.customer(shop.tenant, discord_user_id="20")
    body = bot.post("customers/10/affiliate/").json()
    assert body["percent"] == 7 and body["clicks"] == 0 and body["paid_display"] == "R$ 0,00"
    code = body["code"]
    assert bot.post("customers/10/affiliate/").json()["code"] == code
    own = bot.post("customers/10/referral/", {"code": code})
    assert own.status_code == 409 and own.json()["error"]["code"] == "self_referral"
    assert bot.post("customers/20/referral/", {"code": "ZZZZ"}).status_code == 404
    assert bot.post("customers/20/referral/", {}).status_code == 400
    assert bot.post("customers/20/referral/", {"code": code}).json() == {"code": code}
    assert bot.post("customers/10/affiliate/").json()["clicks"] == 1
    assert other_bot.post("customers/20/referral/", {"code": code}).status_code == 404
    assert Referral.objects.for_tenant(shop.tenant).count() == 1


def test_program_off_is_409_and_makes_nothing(shop, bot):
    f.customer(shop.tenant, discord_user_id="10")
    response = bot.post("customers/10/affiliate/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "affiliates_disabled"
    assert not Affiliate.objects.for_tenant(shop.tenant).exists()


def test_affiliate_code_in_the_coupon_field(shop, bot, other_bot):
    _on(shop.tenant)
    f.customer(shop.tenant, discord_user_id="10")
    f.customer(shop.tenant, discord_user_id="20")
    code = bot.post("customers/10/affiliate/").json()["code"]
    own = bot.put("customers/10/cart/coupon/", {"code": code})
    assert own.status_code == 409 and own.json()["error"]["code"] == "code_refused"
    expected = {"pt-br": "Você não pode usar o seu próprio código de afiliado.",
                "en": "You cannot use your own affiliate code."}[shop.tenant.locale]
    assert own.json()["error"]["message"] == expected  # in the shop's language
    used = bot.put("customers/20/cart/coupon/", {"code": code})
    assert used.status_code == 200 and used.json()["coupon"] is None
    assert other_bot.put("customers/20/cart/coupon/", {"code": code}).status_code == 404
    assert Referral.objects.for_tenant(shop.tenant).get().customer.discord_user_id == "20"
