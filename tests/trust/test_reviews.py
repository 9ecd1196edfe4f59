"""Reviews: one DM per delivered order (buttons), one review per order by its buyer, editable
for 7 days, posted to the reviews channel, averages without hidden reviews."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from catalog.models import ProductPost
from sales.errors import SalesError
from sales.signals import order_delivered
from tests.sales import factories as f
from tests.trust.conftest import rules
from trust import selectors, services
from trust.models import Review, ReviewRequest

pytestmark = pytest.mark.django_db(transaction=True)


def _requests(world) -> list[dict]:
    return [m for m in world.sb.dms(world.buyer_id) if m["components"]]


def test_a_delivered_order_gets_one_review_request_with_five_stars(world, buy, key):
    order = buy(key)
    assert order.status == "delivered"
    [dm] = _requests(world)
    ids = [c["custom_id"] for c in dm["components"][0]["components"]]
    assert ids == [f"vt:rv:{order.code}:{n}" for n in range(1, 6)]
    assert "Chave Premium" in dm["embeds"][0]["description"]
    order_delivered.send(sender=type(order), order=order)  # a replay asks nothing again
    assert len(_requests(world)) == 1
    request = ReviewRequest.objects.for_tenant(world.tenant).get(order=order)
    assert request.state == "sent" and request.dm_message_id == dm["id"]


def test_the_request_waits_for_the_delay_then_the_beat_sends_it(world, buy, key, settings):
    from trust.tasks import review_sweep

    settings.TRUST_REVIEW_DELAY_MINUTES = 60
    order = buy(key)
    assert order.status == "delivered" and _requests(world) == []
    assert review_sweep() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert review_sweep() == 1
    assert len(_requests(world)) == 1
    assert review_sweep() == 0  # sent: never again


def test_no_request_when_the_shop_turned_reviews_off(world, buy, key):
    rules(world.tenant, reviews_enabled=False)
    buy(key)
    assert _requests(world) == []


def test_review_posted_edited_replied_hidden(world, buy, key):
    channel = world.sb.create_channel(world.guild_id, "avaliacoes")
    rules(world.tenant, reviews_channel_id=channel["id"])
    order = buy(key)
    product = key.product
    ProductPost.objects.create(tenant=world.tenant, product=product, channel_id="1",
                               message_id="2")
    review, created = services.review_submit(tenant=world.tenant, code=order.code.lower(),
                                             discord_user_id=world.buyer_id, stars=4,
                                             comment="Chegou rápido")
    assert created and list(review.products.all()) == [product]
    assert ProductPost.objects.for_tenant(world.tenant).get().needs_refresh
    [post] = world.sb.messages(channel["id"])
    assert post["embeds"][0]["title"].startswith("★★★★☆")
    assert post["embeds"][0]["description"] == "Chegou rápido"

    again, created = services.review_submit(tenant=world.tenant, code=order.code,
                                            discord_user_id=world.buyer_id, stars=5)
    assert not created and again.pk == review.pk and again.stars == 5
    services.review_reply(review=again, actor=world.tenant.owner, text="Obrigado!")
    [post] = world.sb.messages(channel["id"])  # edited in place, not posted twice
    assert post["embeds"][0]["title"].startswith("★★★★★")
    assert post["embeds"][0]["fields"][0]["value"] == "Obrigado!"
    assert selectors.shop_rating(tenant=world.tenant).count == 1
    assert selectors.product_ratings(tenant=world.tenant)[product.pk].average == 5.0

    services.review_hide(review=again, actor=world.tenant.owner, reason="ofensivo")
    [post] = world.sb.messages(channel["id"])
    assert "ofensivo" not in str(post) and "Chegou" not in str(post)
    assert selectors.shop_rating(tenant=world.tenant) is None
    assert selectors.product_ratings(tenant=world.tenant) == {}
    hidden = AuditEvent.objects.get(tenant=world.tenant, action="trust.review_hide")
    assert hidden.data["reason"] == "ofensivo" and hidden.data["stars"] == 5
    review.refresh_from_db()
    assert review.stars == 5  # the owner hid it; the stars are still the buyer's


def test_only_the_buyer_of_a_delivered_order_and_only_for_7_days(world, buy, key):
    order = buy(key)
    stranger = f.customer(world.tenant, "4242")
    with pytest.raises(SalesError, match="review_not_allowed"):
        services.review_submit(tenant=world.tenant, code=order.code,
                               discord_user_id=stranger.discord_user_id, stars=1)
    with pytest.raises(SalesError, match="order_not_found"):
        services.review_submit(tenant=world.tenant, code="NOPE", discord_user_id=world.buyer_id,
                               stars=1)
    for bad in (0, 6, True, "5"):
        with pytest.raises(SalesError, match="invalid_request"):
            services.review_submit(tenant=world.tenant, code=order.code,
                                   discord_user_id=world.buyer_id, stars=bad)
    services.review_submit(tenant=world.tenant, code=order.code, discord_user_id=world.buyer_id,
                           stars=2)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)), \
            pytest.raises(SalesError, match="review_locked"):
        services.review_submit(tenant=world.tenant, code=order.code,
                               discord_user_id=world.buyer_id, stars=5)
    assert Review.objects.for_tenant(world.tenant).get().stars == 2


def test_an_order_not_delivered_cannot_be_reviewed(world, key):
    from sales import services as sales

    sales.cart_add(customer=world.customer, variant_id=key.pk, quantity=1)
    order = sales.checkout(customer=world.customer).order
    with pytest.raises(SalesError, match="review_not_allowed"):
        services.review_submit(tenant=world.tenant, code=order.code,
                               discord_user_id=world.buyer_id, stars=5)


def test_order_review_selector(world, buy, key):
    order = buy(key)
    assert selectors.order_review(order=order) is None
    review, _ = services.review_submit(tenant=world.tenant, code=order.code,
                                       discord_user_id=world.buyer_id, stars=3)
    assert selectors.order_review(order=order) == review
