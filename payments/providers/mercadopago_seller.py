"""A shop's own Mercado Pago account (marketplace split): the same API as the platform's
account (payments/providers/mercadopago.py), called with the seller's OAuth token, and with
the platform's fee as `application_fee` (payments) / `marketplace_fee` (Checkout Pro).

The registered instance is unbound; `bound(tenant_id=...)` (our payments, refunds,
reconciliation) or `bound(user_id=...)` (a webhook, which names the seller's Mercado Pago user)
picks the connection whose token is used. Mercado Pago answering 401 to the seller's token
means the grant is gone (revoked in their panel, or expired): the connection is marked so new
checkouts stop with a clear message, and the error is permanent.
"""

from __future__ import annotations

from typing import Any

from payments.providers import mercadopago as mp
from payments.providers.base import Charge, ChargeRequest, ProviderError, RefundInfo, WebhookNotice


class MercadoPagoSellerProvider:
    name = "mercadopago_seller"
    methods = frozenset({"pix", "card"})

    def __init__(self, *, tenant_id: int | None = None, user_id: str = "") -> None:
        self.tenant_id, self.user_id = tenant_id, user_id

    def bound(self, *, tenant_id: int | None = None,
              user_id: str = "") -> MercadoPagoSellerProvider:
        return MercadoPagoSellerProvider(tenant_id=tenant_id, user_id=str(user_id or ""))

    def is_configured(self) -> bool:
        from payments.providers import mercadopago_oauth

        return mercadopago_oauth.is_configured()

    # --- the seller's token ---------------------------------------------------------------
    def _connection(self) -> Any:
        from payments.models import MercadoPagoConnection

        rows = MercadoPagoConnection.objects.unscoped().select_related("tenant")
        if self.tenant_id is not None:
            found = rows.filter(tenant_id=self.tenant_id).first()
        elif self.user_id:
            found = rows.filter(mp_user_id=self.user_id).exclude(
                status=MercadoPagoConnection.Status.DISCONNECTED).first()
        else:
            raise ProviderError("seller provider used without a connection", permanent=True)
        if found is None:
            raise ProviderError("no Mercado Pago connection for this seller", permanent=True,
                                status=404)
        return found

    def _call(self, fn: Any) -> Any:
        from payments.providers import mercadopago_tokens as connect

        connection = self._connection()
        token = connect.access_token(connection)
        try:
            return fn(token)
        except ProviderError as exc:
            if exc.status == 401:  # the grant is gone: stop offering this account
                connect.connection_mark(connection=connection, status="revoked",
                                        reason="Mercado Pago refused the seller's token")
                raise ProviderError("the shop's Mercado Pago connection was revoked",
                                    permanent=True, status=401) from exc
            raise

    # --- the interface --------------------------------------------------------------------
    def create_charge(self, request: ChargeRequest) -> Charge:
        if request.method == "pix":
            if request.expires_at is None:
                raise ProviderError("PIX needs an expiry", permanent=True)
            return mp.to_charge(self._call(lambda token: mp.create_pix(
                reference=request.reference, amount_cents=request.amount_cents,
                description=request.description, payer_email=request.payer_email,
                expires_at=request.expires_at, notification_url=request.notification_url,
                metadata=request.metadata, token=token,
                application_fee_cents=request.application_fee_cents)))
        if request.method != "card":
            raise ProviderError(f"method {request.method} not offered", permanent=True)
        body = self._call(lambda token: mp.create_preference(
            reference=request.reference, amount_cents=request.amount_cents,
            currency=request.currency, title=request.description,
            payer_email=request.payer_email, back_url=request.return_url,
            notification_url=request.notification_url,
            statement_descriptor=request.statement_descriptor, expires_at=request.expires_at,
            metadata=request.metadata, token=token,
            marketplace_fee_cents=request.application_fee_cents))
        return Charge(provider_payment_id="", status="pending", status_detail="",
                      amount_cents=request.amount_cents, currency=request.currency,
                      reference=request.reference,
                      tenant_id=str(request.metadata.get("tenant_id", "")),
                      checkout_url=body.get("init_point", ""),
                      checkout_id=str(body.get("id", "")),
                      application_fee_cents=request.application_fee_cents, raw=body)

    def get_charge(self, provider_payment_id: str) -> Charge:
        return mp.to_charge(self._call(lambda token: mp.get_payment(provider_payment_id,
                                                                    token=token)))

    def find_charge(self, reference: str) -> Charge | None:
        found = self._call(lambda token: mp.search_by_reference(reference, token=token))
        found.sort(key=lambda p: p.get("status") != "approved")
        return mp.to_charge(found[0]) if found else None

    def refund(self, *, provider_payment_id: str, amount_cents: int | None,
               idempotency_key: str) -> RefundInfo:
        # Refunds come out of the seller's account: their token, never the platform's.
        body = self._call(lambda token: mp.refund_payment(
            provider_payment_id=provider_payment_id, amount_cents=amount_cents,
            idempotency_key=idempotency_key, token=token))
        cents = mp._cents_or_none(body.get("amount") or 0) or 0
        return RefundInfo(provider_refund_id=str(body.get("id", "")), amount_cents=cents)

    def cancel(self, provider_payment_id: str) -> Charge:
        return mp.to_charge(self._call(lambda token: mp.cancel_payment(provider_payment_id,
                                                                       token=token)))

    def verify_webhook(self, *, body: bytes, headers: dict[str, str],
                       query: dict[str, str]) -> WebhookNotice:
        # Notifications about sellers' payments made through our application are signed with
        # the application's webhook secret, exactly as the platform account's are.
        return mp.MercadoPagoProvider().verify_webhook(body=body, headers=headers, query=query)
