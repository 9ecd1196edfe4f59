"""The events of trust, memberships and disputes reach a subscribed endpoint once, signed,
when the real service runs (their signals, connected in DeveloperConfig.ready); an endpoint
not subscribed gets nothing; a replay of what caused the event sends nothing again."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction

from developer.models import EVENTS, WebhookDelivery
from memberships import services as memberships
from memberships.models import Tier
from payments.registry import Outcome, dispatch
from payments.services import payment_sync
from sales import services as sales
from sales.models import Order, OrderStatus
from tests.boundaries.test_portal_forms_fuzz import open_dispute
from tests.developer.test_webhooks import Receiver, _paid_order, _sweep, receiver, verify  # noqa: F401
from tests.fulfillment.conftest import World, eager, sandbox, world  # noqa: F401
from tests.memberships.conftest import pay
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from trust import services as trust

pytestmark = pytest.mark.django_db


@dataclass
class Flow:
    tenant: object
    owner: object
    run: Callable[[], None]
    replay: Callable[[], None]


@pytest.fixture
def review_flow(shop, mp) -> Flow:  # noqa: F811
    variant = f.variant(f.product(shop.tenant, name="Curso"), price_cents=1990, keys=2)
    buyer = f.customer(shop.tenant, "321", "Bia")
    code = []

    def run() -> None:
        sales.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
        result = sales.checkout(customer=buyer)
        with transaction.atomic():
            dispatch(result.payment, Outcome.APPROVED)
        # Delivered by hand: no Discord here (as tests/trust/test_portal.py does).
        Order.objects.for_tenant(shop.tenant).filter(pk=result.order.pk).update(
            status=OrderStatus.DELIVERED)
        code.append(result.order.code)
        trust.review_submit(tenant=shop.tenant, code=code[0], discord_user_id="321", stars=4,
                            comment="Muito bom")

    def replay() -> None:  # the buyer edits it: not a new review
        _review, created = trust.review_submit(tenant=shop.tenant, code=code[0],
                                               discord_user_id="321", stars=5, comment="Ótimo")
        assert not created

    return Flow(shop.tenant, shop.owner, run, replay)


@pytest.fixture
def renewal_flow(world, shop, mp) -> Flow:  # noqa: F811
    role = world.sb.create_role(world.guild_id, "Silver")["id"]
    tier = Tier.objects.create(tenant=world.tenant, name="Silver", role_id=role,
                               price_cents=1990, period="monthly")
    paid = []

    def run() -> None:
        first = memberships.member_subscribe(customer=world.customer, tier_id=tier.pk).payment
        pay(mp, first)  # the subscription itself: not a renewal
        assert not WebhookDelivery.objects.for_tenant(world.tenant).filter(
            event="membership.renewed").exists()
        renewal = memberships.member_pay_now(customer=world.customer)  # the PIX renewal
        paid.append(pay(mp, renewal))

    def replay() -> None:  # the approval's webhook delivered again
        payment_sync(provider_payment_id=paid[0].provider_payment_id)

    return Flow(world.tenant, shop.owner, run, replay)


@pytest.fixture
def dispute_flow(shop, mp) -> Flow:  # noqa: F811
    payments = []

    def run() -> None:
        payment = _paid_order(shop, mp)
        payment.refresh_from_db()
        payments.append(payment)
        open_dispute(payment)

    def replay() -> None:  # the provider's notification delivered again
        open_dispute(payments[0])

    return Flow(shop.tenant, shop.owner, run, replay)


CASES = [("review.created", "review_flow"), ("membership.renewed", "renewal_flow"),
         ("dispute.opened", "dispute_flow")]


def test_the_portal_form_offers_the_new_events():
    assert {"review.created", "membership.renewed", "dispute.opened"} <= dict(EVENTS).keys()


@pytest.mark.parametrize(("event", "flow_name"), CASES)
def test_subscribed_endpoint_gets_one_signed_delivery(request, receiver, event, flow_name):  # noqa: F811
    from developer import webhooks

    flow: Flow = request.getfixturevalue(flow_name)
    _endpoint, secret = webhooks.endpoint_create(tenant=flow.tenant, actor=flow.owner,
                                                 url=receiver, events=[event])
    flow.run()
    [delivery] = WebhookDelivery.objects.for_tenant(flow.tenant)
    assert delivery.event == event
    _sweep()
    [(headers, body)] = Receiver.got
    assert headers["Vitrine-Event"] == event
    assert verify(headers["Vitrine-Signature"], body, secret, time.time())
    assert not verify(headers["Vitrine-Signature"], body, "whsec_wrong", time.time())
    payload = json.loads(body)
    assert payload["type"] == event and payload["id"] == headers["Vitrine-Delivery"]
    data = payload["data"]
    if event == "review.created":
        assert (data["stars"], data["comment"], data["products"]) == (4, "Muito bom", ["Curso"])
        assert data["customer"] == {"discord_user_id": "321"} and data["order"]
    elif event == "membership.renewed":
        assert (data["tier"], data["amount_cents"], data["currency"]) == ("Silver", 1990, "BRL")
        assert data["status"] == "active" and data["period_end"] > data["period_start"]
    else:
        assert (data["kind"], data["state"], data["reason"]) == ("chargeback", "open", "fraud")
        assert data["amount_cents"] == 1990 and data["order"] and "raw" not in data
    delivery.refresh_from_db()
    assert delivery.state == "done"

    flow.replay()
    _sweep()
    assert WebhookDelivery.objects.for_tenant(flow.tenant).count() == 1
    assert len(Receiver.got) == 1


@pytest.mark.parametrize(("event", "flow_name"), CASES)
def test_endpoint_not_subscribed_gets_nothing(request, receiver, event, flow_name):  # noqa: F811
    from developer import webhooks

    flow: Flow = request.getfixturevalue(flow_name)
    others = [name for name, _label in EVENTS if name != event]
    webhooks.endpoint_create(tenant=flow.tenant, actor=flow.owner, url=receiver, events=others)
    flow.run()
    _sweep()
    assert not WebhookDelivery.objects.unscoped().filter(event=event).exists()
    assert all(h["Vitrine-Event"] != event for h, _body in Receiver.got)
