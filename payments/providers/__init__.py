"""Payment providers behind one interface (base.PaymentProvider), and the one place that
picks them.

A buyer-facing payment option ("pix", "card", "stripe_card") names a provider and the method
it collects; `for_option` is how payments.services chooses, `get` finds the provider a stored
Payment came from.
"""

from __future__ import annotations

from payments.providers.base import PaymentProvider, ProviderError
from payments.providers.mercadopago import MercadoPagoProvider
from payments.providers.stripe_checkout import StripeProvider

PROVIDERS: dict[str, PaymentProvider] = {
    MercadoPagoProvider.name: MercadoPagoProvider(),
    StripeProvider.name: StripeProvider(),
}
# option -> (provider name, Payment.method)
OPTIONS: dict[str, tuple[str, str]] = {
    "pix": ("mercadopago", "pix"),
    "card": ("mercadopago", "card"),
    "stripe_card": ("stripe", "card"),
}


def get(name: str) -> PaymentProvider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ProviderError(f"unknown provider {name!r}", permanent=True) from None


def for_option(option: str) -> tuple[PaymentProvider, str]:
    """(provider, method) for a buyer's payment option; ProviderError if none."""
    if option not in OPTIONS:
        raise ProviderError(f"unknown payment option {option!r}", permanent=True)
    name, method = OPTIONS[option]
    return get(name), method


def configured_options() -> list[str]:
    """The options whose provider has its credentials set (the platform's side of "offered")."""
    return [option for option, (name, _) in OPTIONS.items() if PROVIDERS[name].is_configured()]


__all__ = ["OPTIONS", "PROVIDERS", "PaymentProvider", "ProviderError", "configured_options",
           "for_option", "get"]
