"""The buyer's payment page (public by unguessable uuid) and the owner's payment actions."""

from __future__ import annotations

import uuid

import pytest

from audit.models import AuditEvent
from payments import services
from payments.models import Payment
from tests.payments.conftest import as_payable

pytestmark = pytest.mark.django_db
S = Payment.Status


@pytest.fixture
def manual(shop, outcomes) -> Payment:
    tenant = as_payable(shop.tenant, 4590)
    tenant.settings = {"manual_pix_key": "dono@example.com", "manual_pix_city": "Recife"}
    return services.payment_create(payable=tenant, method="manual_pix")


def test_page_shows_qr_code_amount_shop_and_countdown(client, manual):
    response = client.get(f"/pay/{manual.public_id}/", headers={"accept-language": "en"})
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    for needle in ('data-testid="qr"', 'data-testid="copy"', manual.pix_code, "Loja Alfa",
                   'data-testid="countdown"', "every 1s", 'data-status="waiting"'):
        assert needle in html
    assert 'name="robots" content="noindex"' in html
    qr = client.get(f"/pay/{manual.public_id}/qr.png")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/png"
    assert qr.content.startswith(b"\x89PNG")


def test_unknown_uuid_is_404(client, manual):
    for path in ("/pay/{}/", "/pay/{}/status/", "/pay/{}/qr.png", "/pay/{}/result/"):
        assert client.get(path.format(uuid.uuid4())).status_code == 404


def test_status_fragment_stops_polling_when_final(client, shop, manual):
    url = f"/pay/{manual.public_id}/status/"
    assert client.get(url).status_code == 200
    assert client.get(url, headers={"accept": "application/json"}).json() == {
        "status": "pending", "live": "waiting"}
    services.payment_manual_confirm(payment=manual, actor=shop.owner)
    final = client.get(url)
    assert final.status_code == 286 and 'data-status="confirmed"' in final.content.decode()


def test_amount_label_says_paid_once_paid(client, shop, manual):
    page = client.get(f"/pay/{manual.public_id}/").content.decode()
    assert ">Valor a pagar<" in page
    services.payment_manual_confirm(payment=manual, actor=shop.owner)
    assert ">Valor pago<" in client.get(f"/pay/{manual.public_id}/").content.decode()
    fragment = client.get(f"/pay/{manual.public_id}/status/").content.decode()
    assert 'id="pay-amount-label"' in fragment and 'hx-swap-oob="true"' in fragment
    assert ">Valor pago<" in fragment


def test_page_in_portuguese_by_default(client, manual):
    html = client.get(f"/pay/{manual.public_id}/").content.decode()
    assert 'lang="pt-br"' in html


# --- owner actions: every one has an ownership test --------------------------------------
def _urls(shop, payment) -> dict[str, str]:
    base = f"/app/t/{shop.tenant.slug}/payments/{payment.public_id}/"
    return {"detail": base, "confirm": base + "confirm/", "refund": base + "refund/"}


def test_detail_for_members_404_for_others(client_for, shop, other_shop, outsider, manual):
    url = _urls(shop, manual)["detail"]
    for user in (shop.owner, shop.manager, shop.viewer):
        assert client_for(user).get(url).status_code == 200
    for user in (other_shop.owner, outsider):
        assert client_for(user).get(url).status_code == 404
    # Another shop's payment under my slug is 404 too.
    foreign = f"/app/t/{other_shop.tenant.slug}/payments/{manual.public_id}/"
    assert client_for(other_shop.owner).get(foreign).status_code == 404


def test_confirm_owner_only(client_for, shop, other_shop, outsider, manual, outcomes):
    url = _urls(shop, manual)["confirm"]
    assert client_for(shop.manager).post(url).status_code == 403
    assert client_for(shop.viewer).post(url).status_code == 403
    for user in (other_shop.owner, outsider):
        assert client_for(user).post(url).status_code == 404
    assert client_for(other_shop.owner).post(
        f"/app/t/{other_shop.tenant.slug}/payments/{manual.public_id}/confirm/"
    ).status_code == 404
    manual.refresh_from_db()
    assert manual.status == S.PENDING and outcomes.calls == []
    response = client_for(shop.owner).post(url)
    assert response.status_code == 302
    manual.refresh_from_db()
    assert manual.status == S.APPROVED and outcomes.outcomes(manual) == ["approved"]
    assert AuditEvent.objects.filter(action="payment.approved", actor=shop.owner).exists()
    assert client_for(shop.owner).get(url).status_code == 405


def test_refund_owner_only_with_reason(client_for, shop, other_shop, outsider, manual,
                                       outcomes):
    services.payment_manual_confirm(payment=manual, actor=shop.owner)
    url = _urls(shop, manual)["refund"]
    data = {"reason": "produto errado", "amount": "10,00"}
    for user in (shop.manager, shop.viewer):
        assert client_for(user).post(url, data).status_code == 403
    for user in (other_shop.owner, outsider):
        assert client_for(user).post(url, data).status_code == 404
    owner = client_for(shop.owner)
    assert owner.post(url, {"reason": "", "amount": ""}).status_code == 302
    manual.refresh_from_db()
    assert manual.refunded_cents == 0
    detail = _urls(shop, manual)["detail"]
    response = owner.post(url, {**data, "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    manual.refresh_from_db()
    assert manual.refunded_cents == 1000 and manual.status == S.APPROVED
    owner.post(url, {"reason": "resto", "next": "https://evil.example/"})
    manual.refresh_from_db()
    assert manual.status == S.REFUNDED and outcomes.outcomes(manual) == ["approved", "refunded"]
    page = owner.get(detail).content.decode()
    assert "produto errado" in page and "resto" in page
