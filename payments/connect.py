"""Shops' own Mercado Pago accounts: OAuth connect, refresh, revoke, disconnect, and the choice
between the platform's wallet and the shop's account (issue 23 item 2).

Writes here, reads in `connection_for` / `uses_own_account` / `checkout_blocker`. Tokens are
Fernet-encrypted at rest (tenants.crypto) and decrypted only to make a call. The OAuth `state`
is signed (tenant + a nonce the portal keeps in the owner's session) and single use: a forged,
foreign or replayed state is refused before any code is exchanged.
"""

from __future__ import annotations

import secrets
from typing import Any

import structlog
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from payments.models import MercadoPagoConnection
from payments.providers import mercadopago_oauth as oauth
from payments.providers import mercadopago_tokens as tokens
from payments.providers.base import ProviderError
from tenants import crypto
from tenants.models import Tenant

log = structlog.get_logger(__name__)
C = MercadoPagoConnection.Status
STATE_SALT = "payments.connect.mercadopago"
STATE_MAX_AGE = 600  # seconds the owner has to consent at Mercado Pago
SETTING = "mp_account"  # tenant.settings: "platform" (the wallet, default) or "own"
PLATFORM, OWN = "platform", "own"


class ConnectError(ValueError):
    """Refused; the message is shown to the owner as is. Nothing was changed."""


# --- reads ------------------------------------------------------------------------------------
def connection_for(tenant: Tenant | int) -> MercadoPagoConnection | None:
    return MercadoPagoConnection.objects.for_tenant(tenant).first()


def uses_own_account(tenant: Tenant) -> bool:
    return (tenant.settings or {}).get(SETTING) == OWN


def checkout_blocker(tenant: Tenant) -> str | None:
    """Why this shop cannot take Mercado Pago payments now ("" / None: it can)."""
    if not uses_own_account(tenant):
        return None
    connection = connection_for(tenant)
    if connection is None or connection.status == C.DISCONNECTED:
        return "disconnected"
    if not connection.is_usable:
        return connection.status if connection.status != C.ACTIVE else C.EXPIRED
    return None


def redirect_uri() -> str:
    return settings.PUBLIC_URL + reverse("portal:mp_connect_callback")


# --- connecting ---------------------------------------------------------------------------------
def connect_start(*, tenant: Tenant) -> tuple[str, str]:
    """(URL of Mercado Pago's consent page, nonce the caller keeps in the owner's session)."""
    if not oauth.is_configured():
        raise ConnectError(_("Connecting a Mercado Pago account is not available on this "
                             "platform yet."))
    nonce = secrets.token_urlsafe(16)
    state = signing.dumps({"t": tenant.pk, "n": nonce}, salt=STATE_SALT, compress=True)
    return oauth.authorize_url(state=state, redirect_uri=redirect_uri()), nonce


def state_tenant_id(state: str) -> int:
    """The tenant a signed, fresh state names; ConnectError when forged or stale."""
    try:
        data = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE)
        return int(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ConnectError(_("This Mercado Pago authorization link is invalid or expired. "
                             "Start again from Settings → Payments.")) from None


def connect_complete(*, tenant: Tenant, actor: Any, code: str, state: str,
                     expected_nonce: str | None) -> MercadoPagoConnection:
    """The owner came back from Mercado Pago: check the state, exchange the code, store."""
    data = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE) \
        if state_tenant_id(state) == tenant.pk else None
    if not data or not expected_nonce or not secrets.compare_digest(str(data.get("n")),
                                                                    expected_nonce):
        raise ConnectError(_("This Mercado Pago authorization link was already used or is "
                             "not yours. Start again from Settings → Payments."))
    if not code or len(code) > 200:
        raise ConnectError(_("Mercado Pago did not authorize the connection."))
    try:
        grant = oauth.exchange_code(code=code, redirect_uri=redirect_uri())
    except ProviderError as exc:
        log.warning("mp_connect.exchange_failed", tenant_id=tenant.pk, error=str(exc))
        raise ConnectError(_("Mercado Pago refused the authorization. Try connecting again."))\
            from exc
    return _store_grant(tenant=tenant, actor=actor, grant=grant)


@transaction.atomic
def _store_grant(*, tenant: Tenant, actor: Any, grant: oauth.TokenGrant
                 ) -> MercadoPagoConnection:
    values = {"mp_user_id": grant.user_id,
              "access_token_encrypted": crypto.encrypt(grant.access_token),
              "refresh_token_encrypted": crypto.encrypt(grant.refresh_token),
              "public_key": grant.public_key[:120], "scope": grant.scope[:200],
              "live_mode": grant.live_mode, "expires_at": grant.expires_at,
              "status": C.ACTIVE, "status_reason": "",
              "connected_by": actor if getattr(actor, "is_authenticated", False) else None}
    connection, created = MercadoPagoConnection.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, defaults=values)
    audit.record(actor=actor, tenant=tenant, action="payments.mp_connect", target=connection,
                 data={"mp_user_id": grant.user_id, "new": created,
                       "expires_at": grant.expires_at.isoformat()})
    return connection


# --- using, refreshing, losing it: payments/providers/mercadopago_tokens.py -----------------
access_token = tokens.access_token
connection_refresh = tokens.connection_refresh
connection_mark = tokens.connection_mark
connections_refresh_due = tokens.connections_refresh_due


@transaction.atomic
def connection_disconnect(*, tenant: Tenant, actor: Any) -> bool:
    """Forget the tokens and sell through the platform's wallet again. Mercado Pago has no
    token revocation endpoint: the owner removes the app in their Mercado Pago panel too."""
    connection = connection_for(tenant)
    if connection is None or connection.status == C.DISCONNECTED:
        return False
    MercadoPagoConnection.objects.for_tenant(tenant).filter(pk=connection.pk).update(
        status=C.DISCONNECTED, status_reason="disconnected by the owner",
        access_token_encrypted="", refresh_token_encrypted="", updated_at=timezone.now())
    _set_setting(tenant, PLATFORM)
    audit.record(actor=actor, tenant=tenant, action="payments.mp_disconnect",
                 target=connection, data={"mp_user_id": connection.mp_user_id})
    return True


@transaction.atomic
def account_choose(*, tenant: Tenant, actor: Any, own: bool) -> None:
    """Where buyers' Mercado Pago payments go: the shop's own account or the platform's."""
    if own:
        connection = connection_for(tenant)
        if connection is None or not connection.is_usable:
            raise ConnectError(_("Connect your Mercado Pago account first."))
    before = (tenant.settings or {}).get(SETTING, PLATFORM)
    after = OWN if own else PLATFORM
    if before != after:
        _set_setting(tenant, after)
        audit.record(actor=actor, tenant=tenant, action="payments.account_choose",
                     target=tenant, data={"before": before, "after": after})


def _set_setting(tenant: Tenant, value: str) -> None:
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    locked.settings = {**(locked.settings or {}), SETTING: value}
    locked.save(update_fields=["settings", "updated_at"])
    tenant.settings = locked.settings


OPTION_SETTINGS = ("card_enabled", "stripe_card_enabled")  # PIX is always offered


@transaction.atomic
def payment_options_set(*, tenant: Tenant, actor: Any, own_account: bool, card: bool,
                        stripe_card: bool) -> None:
    """Settings → Payments in one write: the account choice and the methods buyers see."""
    account_choose(tenant=tenant, actor=actor, own=own_account)
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = {key: bool((locked.settings or {}).get(key)) for key in OPTION_SETTINGS}
    after = {"card_enabled": card, "stripe_card_enabled": stripe_card}
    if before != after:
        locked.settings = {**(locked.settings or {}), **after}
        locked.save(update_fields=["settings", "updated_at"])
        tenant.settings = locked.settings
        audit.record(actor=actor, tenant=tenant, action="payments.options", target=tenant,
                     data={"before": before, "after": after})
