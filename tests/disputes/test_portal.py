"""The disputes pages: who sees what (owner, staff per role, outsiders 404), the evidence zip,
the owner's outcome and unblock; and the operators' overview."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from disputes.models import Dispute
from sales import services as sales
from sales.models import Customer
from tests.boundaries.test_portal_forms_fuzz import open_dispute
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from wallet.selectors import balances, ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(shop, mp) -> Dispute:  # noqa: F811
    variant = f.variant(f.product(shop.tenant), price_cents=2500, keys=2)
    buyer = f.customer(shop.tenant, discord_user_id="1191168914264948745", name="Alice")
    sales.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    paid = sales.checkout(customer=buyer)
    mp.approve(paid.payment.provider_payment_id)
    from payments.services import payment_sync

    payment_sync(provider_payment_id=paid.payment.provider_payment_id)
    paid.payment.refresh_from_db()
    return open_dispute(paid.payment)


def _url(name: str, dispute: Dispute, slug: str | None = None) -> str:
    slug = slug or dispute.tenant.slug
    return reverse(f"portal:{name}", args=[slug] if name == "disputes" else [slug, dispute.pk])


READ = ["disputes", "dispute_detail"]


@pytest.mark.parametrize("name", READ)
def test_owner_and_every_role_read_the_pages(shop, client_for, dispute, name):
    for user in (shop.owner, shop.manager, shop.viewer):
        response = client_for(user).get(_url(name, dispute))
        assert response.status_code == 200
        assert dispute.external_id.encode() in response.content


@pytest.mark.parametrize("name", [*READ, "dispute_evidence", "dispute_outcome",
                                  "dispute_unblock"])
def test_outsider_and_other_shop_get_404(shop, other_shop, outsider, client_for, dispute, name):
    url = _url(name, dispute)
    method = "post" if name in ("dispute_outcome", "dispute_unblock") else "get"
    for user in (outsider, other_shop.owner):
        response = getattr(client_for(user), method)(url, {"outcome": "won"})
        assert response.status_code == 404
        assert dispute.external_id.encode() not in response.content
    # Another shop's own URL with this dispute's id: not found either.
    other = _url("dispute_detail", dispute, other_shop.tenant.slug)
    assert client_for(other_shop.owner).get(other).status_code == 404
    dispute.refresh_from_db()
    assert dispute.state == "open"


def test_evidence_bundle_needs_a_manager_and_holds_the_facts(shop, client_for, dispute):
    url = _url("dispute_evidence", dispute)
    assert client_for(shop.viewer).get(url).status_code == 403
    response = client_for(shop.manager).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"summary.html", "evidence.json"}
    data = json.loads(archive.read("evidence.json"))
    assert data["order"]["code"] == dispute.order.code
    assert data["payment"]["id"] == dispute.payment.provider_payment_id
    assert data["buyer"]["discord_user_id"] == "1191168914264948745"
    # The snowflake's top 42 bits: this id was made at the start of 2024.
    assert data["buyer"]["discord_account_created_at"].startswith("2024-01-01T00:00:00")
    assert data["deliveries"] and data["review"] is None
    html = archive.read("summary.html").decode()
    assert dispute.order.code in html and "R$" in html
    # With the buyer's review (trust), the bundle carries it.
    from trust.models import Review

    Review.objects.create(tenant=shop.tenant, order=dispute.order, customer=dispute.customer,
                          stars=5, comment="Chegou na hora, tudo certo")
    archive = zipfile.ZipFile(io.BytesIO(client_for(shop.owner).get(url).content))
    data = json.loads(archive.read("evidence.json"))
    assert data["review"]["stars"] == 5 and data["review"]["comment"].startswith("Chegou")
    assert "Chegou na hora" in archive.read("summary.html").decode()


def test_only_the_owner_records_the_outcome(shop, client_for, dispute):
    url = _url("dispute_outcome", dispute)
    for user in (shop.viewer, shop.manager):
        assert client_for(user).post(url, {"outcome": "won"}).status_code == 403
    before = balances(tenant=shop.tenant)
    assert client_for(shop.owner).post(url, {"outcome": "bogus"}).status_code == 400
    dispute.refresh_from_db()
    assert dispute.state == "open"
    response = client_for(shop.owner).post(url, {"outcome": "won"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == "won" and dispute.outcome_source == "owner"
    assert dispute.resolved_by == shop.owner
    assert balances(tenant=shop.tenant).total == before.total + dispute.frozen_cents
    # Closed: a second verdict is refused and moves nothing.
    assert client_for(shop.owner).post(url, {"outcome": "lost"}).status_code == 400
    assert balances(tenant=shop.tenant).total == before.total + dispute.frozen_cents
    assert ledger_verify() == []


def test_owner_undoes_the_block(shop, client_for, dispute):
    from trust.models import Block

    customer = Customer.objects.for_tenant(shop.tenant).get(pk=dispute.customer_id)
    assert customer.is_blocked and dispute.buyer_blocked
    block = Block.objects.for_tenant(shop.tenant).get(discord_user_id=customer.discord_user_id)
    assert block.source == "dispute"
    url = _url("dispute_unblock", dispute)
    assert client_for(shop.manager).post(url).status_code == 403
    assert client_for(shop.owner).post(url).status_code == 302
    customer.refresh_from_db()
    assert not customer.is_blocked
    assert not Block.objects.for_tenant(shop.tenant).exists()
    assert client_for(shop.owner).post(url).status_code == 400  # nothing left to undo


def test_ops_overview_lists_open_disputes_with_deadlines(operator, client_for, dispute):
    response = client_for(operator).get(reverse("admin:ops"))
    assert response.status_code == 200
    assert b'data-testid="ops-disputes-table"' in response.content
    assert dispute.order.code.encode() in response.content
    from django.utils import formats, timezone

    deadline = formats.date_format(timezone.localtime(dispute.deadline_at),
                                   "SHORT_DATETIME_FORMAT")
    assert deadline.encode() in response.content
    admin_list = client_for(operator).get(reverse("admin:disputes_dispute_changelist"))
    assert admin_list.status_code == 200 and dispute.external_id.encode() in admin_list.content


def test_provider_verdict_after_the_owners_keeps_the_first(shop, client_for, dispute):
    from audit.models import AuditEvent
    from disputes.services import dispute_apply
    from disputes.truth import DisputeTruth

    client_for(shop.owner).post(_url("dispute_outcome", dispute), {"outcome": "won"})
    after_won = balances(tenant=shop.tenant)
    dispute_apply(truth=DisputeTruth(
        provider="mercadopago", external_id=dispute.external_id, kind="chargeback",
        provider_payment_id=dispute.payment.provider_payment_id, amount_cents=None,
        currency="BRL", reason="fraud", deadline_at=None, outcome="lost", status="invalid"))
    dispute.refresh_from_db()
    assert dispute.state == "won" and balances(tenant=shop.tenant) == after_won
    assert AuditEvent.objects.filter(action="dispute.outcome_conflict").count() == 1
    assert ledger_verify() == []
