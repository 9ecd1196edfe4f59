"""The demo's "Simulate payment": only when MERCADOPAGO_SANDBOX is on, one POST approves the
payment in the sandbox emulator, whose signed webhook then takes the normal path."""

from __future__ import annotations

import pytest

from payments import services
from payments.models import Payment
from tests.payments.conftest import as_payable, replay
from tests.payments.test_flow import drain

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:notification_url is deprecated")]


@pytest.fixture
def pix_payment(shop, mp, outcomes) -> Payment:
    return services.payment_create(payable=as_payable(shop.tenant), method="pix")


def test_off_by_default_nothing_offered_and_post_is_404(client, pix_payment, mp, settings):
    settings.MERCADOPAGO_SANDBOX = False
    page = client.get(f"/pay/{pix_payment.public_id}/").content.decode()
    assert 'data-testid="simulate"' not in page
    assert pix_payment.instructions().simulate_url == ""
    response = client.post(f"/pay/{pix_payment.public_id}/simulate/")
    assert response.status_code == 404
    assert mp.payment(pix_payment.provider_payment_id)["status"] == "pending"


def test_one_click_approves_through_the_sandbox(client, pix_payment, mp, outcomes, settings):
    settings.MERCADOPAGO_SANDBOX = True
    page = client.get(f"/pay/{pix_payment.public_id}/", headers={"accept-language": "pt-br"})
    assert "Simular pagamento" in page.content.decode()
    response = client.post(f"/pay/{pix_payment.public_id}/simulate/")
    assert response.status_code == 302
    assert response["Location"] == f"/pay/{pix_payment.public_id}/"
    assert mp.payment(pix_payment.provider_payment_id)["status"] == "approved"
    for record in mp.notifications():  # the emulator's webhook, as Mercado Pago sends it
        replay(client, record)
    drain()
    pix_payment.refresh_from_db()
    assert pix_payment.status == Payment.Status.APPROVED
    assert outcomes.outcomes(pix_payment)[-1] == "approved"
    # Paid: no button any more, and a second POST changes nothing.
    paid = client.get(f"/pay/{pix_payment.public_id}/").content.decode()
    assert 'data-testid="simulate"' not in paid
    assert client.post(f"/pay/{pix_payment.public_id}/simulate/").status_code == 404


def test_get_is_refused(client, pix_payment, settings):
    settings.MERCADOPAGO_SANDBOX = True
    assert client.get(f"/pay/{pix_payment.public_id}/simulate/").status_code == 405


def test_manual_pix_is_never_simulated(client, shop, outcomes, settings):
    settings.MERCADOPAGO_SANDBOX = True
    tenant = as_payable(shop.tenant, 4590)
    tenant.settings = {"manual_pix_key": "dono@example.com", "manual_pix_city": "Recife"}
    manual = services.payment_create(payable=tenant, method="manual_pix")
    assert not manual.can_simulate
    assert client.post(f"/pay/{manual.public_id}/simulate/").status_code == 404
