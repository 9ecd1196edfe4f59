"""Trust pages: owner and staff per role, outsiders and other shops 404; each form changes
what it says (through the audited services) and refuses bad input with nothing changed."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from payments.registry import Outcome, dispatch
from sales import services as sales
from sales.models import Order, OrderStatus
from tests.sales import factories as f
from tests.trust.conftest import rules
from trust import services
from trust.models import Block, Review, TrustSettings

pytestmark = pytest.mark.django_db

PAGES = ["trust_reviews", "trust_blocks", "trust_rules"]


def _url(name, tenant, *args):
    return reverse(f"portal:{name}", args=[tenant.slug, *args])


@pytest.fixture
def delivered(shop, mp):
    """A delivered order with a review (delivery marked done by hand: no Discord here)."""
    v = f.variant(f.product(shop.tenant, name="Curso"), price_cents=1990, keys=2)
    buyer = f.customer(shop.tenant, "321", "Bia")
    sales.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    result = sales.checkout(customer=buyer)
    with transaction.atomic():
        dispatch(result.payment, Outcome.APPROVED)
    Order.objects.for_tenant(shop.tenant).filter(pk=result.order.pk).update(
        status=OrderStatus.DELIVERED)
    review, _ = services.review_submit(tenant=shop.tenant, code=result.order.code,
                                       discord_user_id="321", stars=4, comment="Muito bom")
    return review


@pytest.mark.parametrize("name", PAGES)
def test_every_member_reads_and_outsiders_get_404(shop, other_shop, outsider, client_for, name):
    url = _url(name, shop.tenant)
    for user in (shop.owner, shop.manager, shop.viewer):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert shop.tenant.name.encode() in response.content
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(other_shop.owner).get(url).status_code == 404


def test_reviews_page_shows_the_average_and_filters(shop, client_for, delivered):
    client = client_for(shop.owner)
    body = client.get(_url("trust_reviews", shop.tenant)).content.decode()
    assert "Muito bom" in body and "4,0" in body  # pt-BR: decimal comma
    assert "Muito bom" not in client.get(_url("trust_reviews", shop.tenant),
                                         {"stars": "1"}).content.decode()
    product = delivered.products.get()
    assert "Muito bom" in client.get(_url("trust_reviews", shop.tenant),
                                     {"product": product.pk}).content.decode()
    assert client.get(_url("trust_reviews", shop.tenant), {"stars": "9"}).status_code == 200
    # The period: from tomorrow finds nothing, up to today finds it.
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    assert "Muito bom" not in client.get(_url("trust_reviews", shop.tenant), {
        "date_from": (today + timedelta(days=1)).isoformat()}).content.decode()
    assert "Muito bom" in client.get(_url("trust_reviews", shop.tenant), {
        "date_from": today.isoformat(), "date_to": today.isoformat()}).content.decode()


def test_reply_and_hide_need_a_manager_and_the_right_shop(shop, other_shop, client_for,
                                                          delivered):
    reply = _url("trust_review_reply", shop.tenant, delivered.pk)
    hide = _url("trust_review_hide", shop.tenant, delivered.pk)
    assert client_for(shop.viewer).post(reply, {"reply": "x"}).status_code == 403
    assert client_for(other_shop.owner).post(reply, {"reply": "x"}).status_code == 404
    foreign = _url("trust_review_reply", other_shop.tenant, delivered.pk)
    assert client_for(other_shop.owner).post(foreign, {"reply": "x"}).status_code == 404
    manager = client_for(shop.manager)
    assert manager.post(reply, {"reply": "Valeu!"}).status_code == 302
    assert manager.post(hide, {"reason": ""}).status_code == 302  # refused: no reason
    review = Review.objects.for_tenant(shop.tenant).get()
    assert review.reply == "Valeu!" and review.hidden_at is None
    manager.post(hide, {"reason": "xingamento"})
    review.refresh_from_db()
    assert review.hidden_reason == "xingamento" and review.stars == 4
    manager.post(hide, {"show": "1"})
    review.refresh_from_db()
    assert review.hidden_at is None
    assert AuditEvent.objects.filter(tenant=shop.tenant, action="trust.review_hide").count() == 1


def test_block_form_and_unblock(shop, other_shop, client_for):
    url = _url("trust_blocks", shop.tenant)
    buyer = f.customer(shop.tenant, "999")
    assert client_for(shop.viewer).post(url, {"discord_user_id": "999",
                                              "reason": "x"}).status_code == 403
    response = client_for(shop.manager).post(url, {"discord_user_id": "", "reason": "x"})
    assert response.status_code == 400 and not Block.objects.for_tenant(shop.tenant).exists()
    client_for(shop.manager).post(url, {"discord_user_id": "999", "reason": "golpe"})
    block = Block.objects.for_tenant(shop.tenant).get()
    buyer.refresh_from_db()
    assert buyer.is_blocked and block.created_by == shop.manager
    remove = _url("trust_block_remove", shop.tenant, block.pk)
    assert client_for(other_shop.owner).post(remove).status_code == 404
    assert client_for(other_shop.owner).post(
        _url("trust_block_remove", other_shop.tenant, block.pk)).status_code == 404
    assert client_for(shop.viewer).post(remove).status_code == 403
    assert client_for(shop.owner).post(remove).status_code == 302
    buyer.refresh_from_db()
    assert not buyer.is_blocked and not Block.objects.for_tenant(shop.tenant).exists()


def test_customers_page_block_goes_through_the_blocklist(shop, client_for):
    buyer = f.customer(shop.tenant, "4444")
    url = reverse("portal:customer_block", args=[shop.tenant.slug, buyer.pk])
    client_for(shop.manager).post(url, {"blocked": "1"})
    assert Block.objects.for_tenant(shop.tenant).get().discord_user_id == "4444"
    client_for(shop.manager).post(url, {"blocked": "0"})
    buyer.refresh_from_db()
    assert not buyer.is_blocked and not Block.objects.for_tenant(shop.tenant).exists()


def test_rules_form_in_reais(shop, client_for):
    url = _url("trust_rules", shop.tenant)
    response = client_for(shop.manager).post(url, {
        "min_account_age_days": "7", "max_orders_per_hour": "3",
        "max_amount_per_day": "1.234,56", "review_first_purchase_above": "500"})
    assert response.status_code == 302
    saved = TrustSettings.objects.for_tenant(shop.tenant).get()
    assert (saved.min_account_age_days, saved.max_orders_per_hour, saved.max_orders_per_day,
            saved.max_amount_per_day_cents, saved.review_first_purchase_above_cents) == \
        (7, 3, None, 123456, 50000)
    assert client_for(shop.manager).post(url, {"max_orders_per_hour": "0"}).status_code == 400
    assert client_for(shop.viewer).post(url, {"max_orders_per_hour": "5"}).status_code == 403
    saved.refresh_from_db()
    assert saved.max_orders_per_hour == 3
    assert client_for(shop.owner).get(url).status_code == 200  # the form shows what is saved


def test_release_button(shop, other_shop, client_for, mp):
    rules(shop.tenant, review_first_purchase_above_cents=100)
    v = f.variant(f.product(shop.tenant), price_cents=1990, keys=2)
    buyer = f.customer(shop.tenant, "55")
    sales.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    result = sales.checkout(customer=buyer)
    with transaction.atomic():
        dispatch(result.payment, Outcome.APPROVED)
    order = result.order
    order.refresh_from_db()
    assert order.status == "on_hold"
    url = _url("order_release", shop.tenant, order.code)
    assert client_for(other_shop.owner).post(url).status_code == 404
    assert client_for(shop.viewer).post(url).status_code == 403
    page = client_for(shop.owner).get(_url("order_detail", shop.tenant, order.code))
    assert b'data-testid="release-order"' in page.content
    assert client_for(shop.manager).post(url).status_code == 302
    order.refresh_from_db()
    assert order.status in ("paid", "delivering", "delivery_failed", "partially_delivered")
    assert AuditEvent.objects.filter(tenant=shop.tenant, action="order.hold_release",
                                     actor=shop.manager).exists()


@pytest.fixture
def held(shop, mp):
    rules(shop.tenant, review_first_purchase_above_cents=100)
    v = f.variant(f.product(shop.tenant, name="Conta"), price_cents=1990, keys=2)
    buyer = f.customer(shop.tenant, "56")
    sales.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    result = sales.checkout(customer=buyer)
    with transaction.atomic():
        dispatch(result.payment, Outcome.APPROVED)
    return Order.objects.for_tenant(shop.tenant).get(pk=result.order.pk)


def _writes(shop, delivered, held) -> list[tuple[str, str, dict]]:
    block = services.block_add(tenant=shop.tenant, discord_user_id="4321", reason="golpe",
                               actor=shop.owner)
    t = shop.tenant
    return [
        ("review_settings", _url("trust_review_settings", t),
         {"reviews_enabled": "on", "reviews_channel_id": "123"}),
        ("review_reply", _url("trust_review_reply", t, delivered.pk), {"reply": "Valeu"}),
        ("review_hide", _url("trust_review_hide", t, delivered.pk), {"reason": "spam"}),
        ("block_add", _url("trust_blocks", t), {"discord_user_id": "999", "reason": "x"}),
        ("block_remove", _url("trust_block_remove", t, block.pk), {}),
        ("rules", _url("trust_rules", t), {"max_orders_per_hour": "5"}),
        ("order_release", _url("order_release", t, held.code), {}),
    ]


def test_every_trust_write_owner_ok_viewer_403_outsiders_404(shop, other_shop, outsider,
                                                             client_for, delivered, held):
    """The ownership matrix for every trust form: outsiders and other shops get 404 and the
    viewer 403, with nothing changed; then the owner's own post goes through."""
    writes = _writes(shop, delivered, held)
    audited = AuditEvent.objects.filter(tenant=shop.tenant).count()
    for name, url, data in writes:
        for user, status in ((outsider, 404), (other_shop.owner, 404), (shop.viewer, 403)):
            response = client_for(user).post(url, data)
            assert response.status_code == status, (name, user, response.status_code)
            assert shop.tenant.name.encode() not in response.content or status == 403
    assert AuditEvent.objects.filter(tenant=shop.tenant).count() == audited
    owner = client_for(shop.owner)
    for name, url, data in writes:
        assert owner.post(url, data).status_code == 302, name
    assert AuditEvent.objects.filter(tenant=shop.tenant).count() >= audited + len(writes)
    assert Review.objects.for_tenant(shop.tenant).get().hidden_reason == "spam"
    held.refresh_from_db()
    assert held.status != "on_hold"
