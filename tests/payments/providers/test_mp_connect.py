"""Shops' own Mercado Pago accounts through OAuth, against the sandbox over real HTTP: connect
(views and services), the state check, refresh before expiry, revoke, disconnect, and who may
do each (owner; staff by role; outsiders 404)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from payments import connect, providers
from payments.models import MercadoPagoConnection
from payments.providers.base import ProviderError
from tests.payments.providers.seller import SELLER, connect_shop, consent, seller_oauth  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seller_oauth")]
C = MercadoPagoConnection.Status


def _settings_url(shop) -> str:
    return f"/app/t/{shop.tenant.slug}/settings/payments/"


def _connect_via_portal(client, shop):
    answer = client.post(f"{_settings_url(shop)}mercadopago/connect/")
    assert answer.status_code == 302
    location, _code = consent(answer["Location"])
    path = urlsplit(location)
    return path.path + "?" + path.query


def test_owner_connects_through_mercado_pagos_consent_page(client_for, shop, seller_oauth):  # noqa: F811
    owner = client_for(shop.owner)
    callback = _connect_via_portal(owner, shop)
    assert callback.startswith("/app/payments/mercadopago/callback/?code=TG-")
    answer = owner.get(callback)
    assert answer.status_code == 302 and answer["Location"] == _settings_url(shop)
    connection = MercadoPagoConnection.objects.for_tenant(shop.tenant).get()
    assert (connection.mp_user_id, connection.status) == (SELLER, C.ACTIVE)
    assert connection.expires_at > timezone.now() + timedelta(days=170)
    # Encrypted at rest: the stored values are Fernet tokens, not the sandbox's tokens.
    token = connect.access_token(connection)
    assert token.startswith("APP_USR-") and token not in connection.access_token_encrypted
    assert "TG-" not in connection.refresh_token_encrypted
    assert AuditEvent.objects.filter(action="payments.mp_connect", tenant=shop.tenant).exists()
    page = owner.get(_settings_url(shop))
    assert page.status_code == 200 and SELLER in page.content.decode()


def test_a_replayed_callback_is_refused_and_changes_nothing(client_for, shop):
    owner = client_for(shop.owner)
    callback = _connect_via_portal(owner, shop)
    assert owner.get(callback).status_code == 302
    before = MercadoPagoConnection.objects.for_tenant(shop.tenant).get()
    again = owner.get(callback)
    assert again.status_code == 400
    after = MercadoPagoConnection.objects.for_tenant(shop.tenant).get()
    assert after.access_token_encrypted == before.access_token_encrypted


@pytest.mark.parametrize("state", ["forged", "", "eyJ0IjoxLCJuIjoieCJ9:1abc:zzz"])
def test_a_forged_state_is_refused_before_any_code_is_exchanged(client_for, shop, state):
    owner = client_for(shop.owner)
    owner.post(f"{_settings_url(shop)}mercadopago/connect/")  # a nonce in the session
    answer = owner.get("/app/payments/mercadopago/callback/", {"code": "TG-x", "state": state})
    assert answer.status_code == 400
    assert not MercadoPagoConnection.objects.for_tenant(shop.tenant).exists()


def test_a_state_from_another_session_is_refused(client_for, shop):
    """Someone else's consent link (state signed for this shop, nonce in another session)."""
    victim_callback = _connect_via_portal(client_for(shop.owner), shop)
    fresh = client_for(shop.owner)  # the same owner, another browser: no nonce there
    assert fresh.get(victim_callback).status_code == 400
    assert not MercadoPagoConnection.objects.for_tenant(shop.tenant).exists()


def test_a_stale_state_is_refused(client_for, shop):
    owner = client_for(shop.owner)
    callback = _connect_via_portal(owner, shop)
    with time_machine.travel(timezone.now() + timedelta(seconds=connect.STATE_MAX_AGE + 5)):
        assert owner.get(callback).status_code == 400
    assert not MercadoPagoConnection.objects.for_tenant(shop.tenant).exists()


def test_the_callback_for_a_shop_someone_else_owns_is_a_404(client_for, shop, other_shop,
                                                            outsider):
    callback = _connect_via_portal(client_for(shop.owner), shop)
    for user in (other_shop.owner, outsider, shop.manager, shop.viewer):
        assert client_for(user).get(callback).status_code == 404, user
    assert not MercadoPagoConnection.objects.for_tenant(shop.tenant).exists()


def test_who_may_see_and_change_payment_settings(client_for, shop, other_shop, outsider):
    url = _settings_url(shop)
    assert client_for(shop.owner).get(url).status_code == 200
    assert client_for(shop.manager).get(url).status_code == 200
    assert client_for(shop.viewer).get(url).status_code == 403
    for user in (outsider, other_shop.owner):
        assert client_for(user).get(url).status_code == 404
    data = {"mp_account": "platform", "card_enabled": "on"}
    assert client_for(shop.manager).post(url, data).status_code == 403
    for user in (outsider, other_shop.owner):
        assert client_for(user).post(url, data).status_code == 404
    for action in ("connect", "disconnect"):
        target = f"{url}mercadopago/{action}/"
        assert client_for(shop.manager).post(target).status_code == 403
        assert client_for(shop.viewer).post(target).status_code == 403
        assert client_for(outsider).post(target).status_code == 404
        assert client_for(other_shop.owner).post(target).status_code == 404
    shop.tenant.refresh_from_db()
    assert "card_enabled" not in shop.tenant.settings


def test_owner_saves_methods_and_cannot_choose_an_unconnected_account(client_for, shop):
    owner = client_for(shop.owner)
    url = _settings_url(shop)
    refused = owner.post(url, {"mp_account": "own", "stripe_card_enabled": "on"})
    assert refused.status_code == 400
    assert "Connect your Mercado Pago account first" in refused.content.decode() \
        or "Conecte sua conta do Mercado Pago" in refused.content.decode()
    shop.tenant.refresh_from_db()
    assert "stripe_card_enabled" not in shop.tenant.settings
    assert owner.post(url, {"mp_account": "platform", "card_enabled": "on"}).status_code == 302
    shop.tenant.refresh_from_db()
    assert shop.tenant.settings["card_enabled"] is True
    assert shop.tenant.settings["stripe_card_enabled"] is False
    connect_shop(shop.tenant, shop.owner, own=False)
    assert owner.post(url, {"mp_account": "own"}).status_code == 302
    shop.tenant.refresh_from_db()
    assert connect.uses_own_account(shop.tenant)


def test_refresh_before_expiry_rotates_the_tokens(shop, seller_oauth, settings):  # noqa: F811
    connection = connect_shop(shop.tenant, shop.owner)
    first_refresh = connect.tokens.crypto.decrypt(connection.refresh_token_encrypted)
    assert connect.connections_refresh_due() == {"refreshed": 0, "lost": 0, "errors": 0}
    window = settings.MERCADOPAGO_OAUTH_REFRESH_BEFORE_DAYS
    soon = connection.expires_at - timedelta(days=window - 1)
    with time_machine.travel(soon):
        assert connect.connections_refresh_due() == {"refreshed": 1, "lost": 0, "errors": 0}
    connection.refresh_from_db()
    assert connection.expires_at > soon + timedelta(days=170) and connection.refreshed_at
    assert connect.tokens.crypto.decrypt(connection.refresh_token_encrypted) != first_refresh
    # The rotated-out refresh token is spent at Mercado Pago (the sandbox, as MP documents).
    spent = requests.post(f"{seller_oauth.url}/oauth/token", json={
        "grant_type": "refresh_token", "refresh_token": first_refresh,
        "client_id": settings.MERCADOPAGO_CLIENT_ID,
        "client_secret": settings.MERCADOPAGO_CLIENT_SECRET}, timeout=5)
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"
    # And the new access token works with the seller's account.
    provider = providers.get("mercadopago_seller", tenant_id=shop.tenant.pk)
    assert provider.find_charge("nothing-here") is None


def test_an_expired_token_is_refreshed_at_use(shop, seller_oauth):  # noqa: F811
    connection = connect_shop(shop.tenant, shop.owner)
    later = connection.expires_at + timedelta(hours=1)
    seller_oauth.advance_clock((later - timezone.now()).total_seconds())
    with time_machine.travel(later):
        provider = providers.get("mercadopago_seller", tenant_id=shop.tenant.pk)
        assert provider.find_charge("nothing-here") is None
        connection.refresh_from_db()
        assert connection.is_usable and connection.refreshed_at


def test_a_revoked_grant_stops_checkouts_with_a_message_for_owner(client_for, shop,
                                                                   seller_oauth):  # noqa: F811
    connect_shop(shop.tenant, shop.owner)
    requests.post(f"{seller_oauth.url}/_sandbox/oauth/revoke", json={"user_id": SELLER},
                  timeout=5)
    provider = providers.get("mercadopago_seller", tenant_id=shop.tenant.pk)
    with pytest.raises(ProviderError) as caught:
        provider.find_charge("anything")
    assert caught.value.permanent and caught.value.status == 401
    connection = MercadoPagoConnection.objects.for_tenant(shop.tenant).get()
    assert connection.status == C.REVOKED
    assert connect.checkout_blocker(shop.tenant) == C.REVOKED
    page = client_for(shop.owner).get(f"/app/t/{shop.tenant.slug}/")
    assert 'data-testid="mp-banner"' in page.content.decode()
    assert 'data-kind="revoked"' in page.content.decode()
    # A refresh cannot bring a revoked grant back.
    assert connect.connection_refresh(connection=connection) is False


def test_disconnect_forgets_the_tokens_and_goes_back_to_the_wallet(client_for, shop):
    connect_shop(shop.tenant, shop.owner)
    answer = client_for(shop.owner).post(f"{_settings_url(shop)}mercadopago/disconnect/")
    assert answer.status_code == 302
    connection = MercadoPagoConnection.objects.for_tenant(shop.tenant).get()
    assert connection.status == C.DISCONNECTED
    assert connection.access_token_encrypted == connection.refresh_token_encrypted == ""
    shop.tenant.refresh_from_db()
    assert not connect.uses_own_account(shop.tenant)
    assert connect.checkout_blocker(shop.tenant) is None
    with pytest.raises(ProviderError):
        connect.access_token(connection)


def test_connecting_is_refused_when_the_platform_has_no_app(client_for, shop, settings):
    settings.MERCADOPAGO_CLIENT_ID = ""
    answer = client_for(shop.owner).post(f"{_settings_url(shop)}mercadopago/connect/")
    assert answer.status_code == 302 and answer["Location"] == _settings_url(shop)
    assert "state" not in parse_qs(urlsplit(answer["Location"]).query)
