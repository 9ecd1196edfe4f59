"""The Settings page's Discord section: log and fallback channels, staff notice switches."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent

LOG, FALLBACK = "123456789012345678", "98765432109876543"


def _url(shop) -> str:
    return reverse("portal:settings", args=[shop.tenant.slug])


def _post(**discord) -> dict:
    return {"name": "Loja Alfa", "locale": "pt-br", **discord}


@pytest.fixture
def configured(shop):
    shop.tenant.settings = {"card_enabled": True, "log_channel_id": LOG}
    shop.tenant.save(update_fields=["settings"])
    return shop


def test_owner_saves_channels_and_switches_with_audit(configured, client_for):
    shop = configured
    response = client_for(shop.owner).post(_url(shop), _post(
        log_channel_id=" 112233445566778899 ", fallback_channel_id=FALLBACK,
        notify_sales="on", notify_low_stock="on"))  # failures unticked
    assert response.status_code == 302
    shop.tenant.refresh_from_db()
    assert shop.tenant.settings == {
        "card_enabled": True,  # other settings are kept
        "log_channel_id": "112233445566778899", "fallback_channel_id": FALLBACK,
        "notify_sales": True, "notify_failures": False, "notify_low_stock": True}
    event = AuditEvent.objects.get(action="tenant.update", tenant=shop.tenant)
    assert event.actor == shop.owner
    assert event.data["before"]["log_channel_id"] == LOG
    assert event.data["after"]["notify_failures"] is False


def test_page_shows_the_saved_values_and_switches_default_on(configured, client_for):
    page = client_for(configured.owner).get(_url(configured))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["log_channel_id"] == LOG
    assert form.initial["notify_sales"] is True and form.initial["notify_failures"] is True
    body = page.content.decode()
    assert 'name="fallback_channel_id"' in body and f'value="{LOG}"' in body


def test_blank_ids_switch_the_channels_off(configured, client_for):
    assert client_for(configured.owner).post(_url(configured), _post(
        log_channel_id="", fallback_channel_id="")).status_code == 302
    configured.tenant.refresh_from_db()
    assert configured.tenant.settings["log_channel_id"] == ""


@pytest.mark.parametrize("bad", ["abc", "1234", "1" * 21, "12345678901234567x",
                                 "-1234567890123456"])
def test_invalid_channel_ids_are_refused_and_nothing_changes(configured, client_for, bad):
    shop = configured
    for field in ("log_channel_id", "fallback_channel_id"):
        response = client_for(shop.owner).post(_url(shop), _post(name="Outro nome",
                                                                 **{field: bad}))
        assert response.status_code == 400
        assert "17" in response.context["form"].errors[field][0]
    shop.tenant.refresh_from_db()
    assert shop.tenant.name == "Loja Alfa"
    assert shop.tenant.settings == {"card_enabled": True, "log_channel_id": LOG}
    assert not AuditEvent.objects.filter(action="tenant.update").exists()


def test_roles_outsiders_and_other_shops(configured, other_shop, outsider, client_for):
    shop = configured
    data = _post(log_channel_id=FALLBACK)
    assert client_for(other_shop.owner).post(_url(shop), data).status_code == 404
    assert client_for(outsider).post(_url(shop), data).status_code == 404
    assert client_for(shop.viewer).post(_url(shop), data).status_code == 403
    shop.tenant.refresh_from_db()
    assert shop.tenant.settings["log_channel_id"] == LOG
    # Settings are a manager's page, as the rest of this form.
    assert client_for(shop.manager).post(_url(shop), data).status_code == 302
    shop.tenant.refresh_from_db()
    assert shop.tenant.settings["log_channel_id"] == FALLBACK
