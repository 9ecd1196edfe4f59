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


def _released_commission(tenant, mp):
    """Customer 10 is an affiliate with R$ 10,00 of released commission."""
    from affiliates import services
    from payments import services as payments
    from sales import services as sales
    from tests.affiliates.conftest import _release

    ana = f.customer(tenant, discord_user_id="10")
    bia = f.customer(tenant, discord_user_id="20")
    affiliate = services.affiliate_join(customer=ana)
    services.referral_use(customer=bia, code=affiliate.code)
    sales.cart_add(customer=bia, variant_id=f.variant(f.product(tenant), price_cents=14286,
                                                      keys=1).pk)
    result = sales.checkout(customer=bia)
    mp.approve(result.payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=result.payment.provider_payment_id)
    _release()
    return affiliate


EVP = "123e4567-e89b-42d3-a456-426614174000"


def test_withdraw_and_to_credit_once_per_request(shop, bot, other_bot, mp):
    _on(shop.tenant)
    _released_commission(shop.tenant, mp)
    body = bot.post("customers/10/affiliate/").json()
    assert body["balance_display"] == "R$ 10,00"  # 7% of R$ 142,86, rounded down
    assert body["links"][-1]["url"].endswith(f"/a/{shop.tenant.slug}/{body['code']}/")
    moved = bot.post("customers/10/affiliate/to-credit/", {"amount_cents": 150,
                                                           "request_id": "111"})
    assert moved.status_code == 200 and moved.json()["balance_display"] == "R$ 8,50"
    again = bot.post("customers/10/affiliate/to-credit/", {"amount_cents": 150,
                                                           "request_id": "111"})
    assert again.json()["balance_display"] == "R$ 8,50"  # the same request: once
    ask = {"amount_cents": 850, "pix_key_type": "evp", "pix_key": EVP, "request_id": "222"}
    shop.tenant.settings = {**shop.tenant.settings, "min_withdrawal_cents": 500}
    shop.tenant.save()
    first = bot.post("customers/10/affiliate/withdrawals/", ask)
    assert first.status_code == 201 and first.json()["status"] == "pending"
    assert bot.post("customers/10/affiliate/withdrawals/", ask).json() == first.json()
    short = bot.post("customers/10/affiliate/withdrawals/", {**ask, "request_id": "333"})
    assert short.status_code == 409 and short.json()["error"]["code"] == "commission_short"
    assert other_bot.post("customers/10/affiliate/withdrawals/",
                          {**ask, "request_id": "444"}).status_code == 404


def test_withdraw_bad_input_is_400_and_changes_nothing(shop, bot, mp):
    from wallet.models import Withdrawal

    _on(shop.tenant)
    _released_commission(shop.tenant, mp)
    good = {"amount_cents": 1000, "pix_key_type": "evp", "pix_key": EVP, "request_id": "1"}
    for bad in ({**good, "amount_cents": 0}, {**good, "amount_cents": "x"},
                {**good, "pix_key_type": "bitcoin"}, {**good, "request_id": "a b"},
                {**good, "pix_key": "nope", "pix_key_type": "cpf"}, {}):
        assert bot.post("customers/10/affiliate/withdrawals/", bad).status_code == 400, bad
    assert bot.post("customers/20/affiliate/withdrawals/", good).status_code == 404  # not one
    assert not Withdrawal.objects.for_tenant(shop.tenant).exists()
