"""A connected shop's Mercado Pago tokens in use: decrypt for a call, refresh before or at
expiry, mark the connection lost when Mercado Pago refuses the grant (issue 23 item 2).

Below payments.connect (the owner's connect/disconnect/choice) so the seller provider can use
it without an import cycle.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit
from payments.models import MercadoPagoConnection
from payments.providers import mercadopago_oauth as oauth
from payments.providers.base import ProviderError
from tenants import crypto

log = structlog.get_logger(__name__)
C = MercadoPagoConnection.Status


def access_token(connection: MercadoPagoConnection) -> str:
    """The seller's token for one call: refreshed first if it expired; ProviderError(permanent)
    when the connection cannot be used (the checkout then says so)."""
    if connection.status == C.ACTIVE and connection.expires_at <= timezone.now():
        connection_refresh(connection=connection)
        connection.refresh_from_db()
    if not connection.is_usable:
        raise ProviderError(f"seller connection {connection.status}", permanent=True,
                            status=401)
    return crypto.decrypt(connection.access_token_encrypted)


def connection_refresh(*, connection: MercadoPagoConnection) -> bool:
    """Trade the refresh token for a new pair. False (and the connection marked) when Mercado
    Pago refuses the grant; a network error raises ProviderError(permanent=False)."""
    if connection.status != C.ACTIVE or not connection.refresh_token_encrypted:
        return False
    try:
        grant = oauth.refresh(refresh_token=crypto.decrypt(connection.refresh_token_encrypted))
    except ProviderError as exc:
        if not exc.permanent:
            raise
        past = connection.expires_at <= timezone.now()
        connection_mark(connection=connection, status=C.EXPIRED if past else C.REVOKED,
                        reason=f"refresh refused: {exc}")
        return False
    with transaction.atomic():
        locked = MercadoPagoConnection.objects.for_tenant(connection.tenant_id) \
            .select_for_update().get(pk=connection.pk)
        if locked.status != C.ACTIVE:  # disconnected meanwhile: keep it so
            return False
        MercadoPagoConnection.objects.for_tenant(connection.tenant_id).filter(
            pk=connection.pk).update(
            access_token_encrypted=crypto.encrypt(grant.access_token),
            refresh_token_encrypted=crypto.encrypt(grant.refresh_token),
            expires_at=grant.expires_at, refreshed_at=timezone.now(),
            updated_at=timezone.now())
        audit.record(actor=None, tenant=connection.tenant, action="payments.mp_refresh",
                     target=connection, data={"expires_at": grant.expires_at.isoformat()})
    return True


def connections_refresh_due(*, limit: int = 200) -> dict[str, int]:
    """Beat: refresh every active connection expiring within the window, before it does."""
    soon = timezone.now() + timedelta(days=settings.MERCADOPAGO_OAUTH_REFRESH_BEFORE_DAYS)
    due = (MercadoPagoConnection.objects.unscoped().select_related("tenant")
           .filter(status=C.ACTIVE, expires_at__lte=soon).order_by("expires_at")[:limit])
    counts = {"refreshed": 0, "lost": 0, "errors": 0}
    for connection in due:
        try:
            counts["refreshed" if connection_refresh(connection=connection) else "lost"] += 1
        except ProviderError as exc:
            counts["errors"] += 1
            log.warning("mp_connect.refresh_failed", tenant_id=connection.tenant_id,
                        error=str(exc))
    return counts


@transaction.atomic
def connection_mark(*, connection: MercadoPagoConnection, status: str, reason: str) -> bool:
    """Mercado Pago refused the seller's token (401) or grant: stop using it. True if changed."""
    changed = MercadoPagoConnection.objects.for_tenant(connection.tenant_id).filter(
        pk=connection.pk, status=C.ACTIVE).update(status=status, status_reason=reason[:200],
                                                  updated_at=timezone.now())
    if changed:
        log.warning("mp_connect.lost", tenant_id=connection.tenant_id, status=status)
        audit.record(actor=None, tenant=connection.tenant, action=f"payments.mp_{status}",
                     target=connection, data={"reason": reason[:200]})
    return bool(changed)
