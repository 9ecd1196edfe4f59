"""Payment providers behind one interface (base.PaymentProvider), and the one place that
picks them.

A buyer-facing payment option ("pix", "card", "stripe_card") names a provider and the method
it collects; `for_option` is how payments.services chooses, `get` finds the provider a stored
Payment came from.
"""

from __future__ import annotations

from payments.providers.base import PaymentProvider, ProviderError
from payments.providers.mercadopago import MercadoPagoProvider
from payments.providers.mercadopago_seller import MercadoPagoSellerProvider
from payments.providers.stripe_checkout import StripeProvider

PROVIDERS: dict[str, PaymentProvider] = {
    MercadoPagoProvider.name: MercadoPagoProvider(),
    MercadoPagoSellerProvider.name: MercadoPagoSellerProvider(),
    StripeProvider.name: StripeProvider(),
}
# Mercado Pago options a shop selling through its own account (payments.connect) takes there.
SELLER_OPTIONS = frozenset({"pix", "card"})
# option -> (provider name, Payment.method)
OPTIONS: dict[str, tuple[str, str]] = {
    "pix": ("mercadopago", "pix"),
    "card": ("mercadopago", "card"),
    "stripe_card": ("stripe", "card"),
}


def get(name: str, *, tenant_id: int | None = None, account: str = "") -> PaymentProvider:
    """The provider called `name`; a seller's account is bound to its shop (`tenant_id`) or
    to the Mercado Pago user a webhook names (`account`)."""
    try:
        provider = PROVIDERS[name]
    except KeyError:
        raise ProviderError(f"unknown provider {name!r}", permanent=True) from None
    if isinstance(provider, MercadoPagoSellerProvider):
        return provider.bound(tenant_id=tenant_id, user_id=account)
    return provider


def for_payment(payment) -> PaymentProvider:
    """The provider a stored Payment belongs to, bound to its shop where that matters."""
    return get(payment.provider, tenant_id=payment.tenant_id)


def for_option(option: str, *, tenant=None) -> tuple[PaymentProvider, str]:
    """(provider, method) for a buyer's payment option; ProviderError if none. A shop that
    sells through its own Mercado Pago account gets it for PIX and card via Mercado Pago."""
    if option not in OPTIONS:
        raise ProviderError(f"unknown payment option {option!r}", permanent=True)
    name, method = OPTIONS[option]
    if tenant is not None and option in SELLER_OPTIONS \
            and (tenant.settings or {}).get("mp_account") == "own":
        return get(MercadoPagoSellerProvider.name, tenant_id=tenant.pk), method
    return get(name), method


def configured_options() -> list[str]:
    """The options whose provider has its credentials set (the platform's side of "offered")."""
    return [option for option, (name, _) in OPTIONS.items() if PROVIDERS[name].is_configured()]


__all__ = ["OPTIONS", "PROVIDERS", "PaymentProvider", "ProviderError", "configured_options",
           "for_option", "for_payment", "get"]
