"""Errors the Bot API returns: a stable machine code, an HTTP status, a translated message.

The message is rendered late (`SalesError.message()` under the tenant's language), so the bot
can show it to the buyer as is.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# code: (HTTP status, message)
ERRORS: dict[str, tuple[int, Any]] = {
    "invalid_request": (400, _("The request is not valid.")),
    "unauthorized": (401, _("Missing or invalid instance token.")),
    "tenant_suspended": (403, _("This shop is suspended; sales are paused.")),
    "plan_limit_reached": (409, _("This shop reached its plan's order limit for the month; "
                                  "please tell the staff.")),
    "not_found": (404, _("Not found.")),
    "method_not_allowed": (405, _("This endpoint does not accept this method.")),
    "payload_too_large": (413, _("The request body is too large.")),
    "customer_not_found": (404, _("Unknown customer: register them first.")),
    "customer_blocked": (403, _("You cannot buy in this shop. Talk to the staff if you think "
                                "this is a mistake.")),
    "variant_not_found": (404, _("This product option does not exist.")),
    "variant_unavailable": (409, _("“%(item)s” is not for sale right now.")),
    "quantity_invalid": (400, _("Choose a quantity between 1 and %(max)s.")),
    "cart_too_large": (400, _("A cart holds at most %(max)s different items.")),
    "out_of_stock": (409, _("Not enough stock of “%(item)s”: %(available)s left.")),
    "field_invalid": (400, _("“%(label)s”: %(reason)s")),
    "line_not_found": (404, _("This item is not in your cart.")),
    "cart_empty": (409, _("Your cart is empty.")),
    "currency_unsupported": (409, _("This shop's currency cannot be sold in yet. The shop owner "
                                    "needs to set the shop to Brazilian reais (BRL).")),
    "currency_not_priced": (409, _("“%(item)s” has no price in %(currency)s. Pay in the "
                                   "shop's currency, or remove it from the cart.")),
    "currency_method_unavailable": (409, _("Payments in %(currency)s are taken by card via "
                                           "Stripe only. Pick that method, or pay in the shop's "
                                           "currency.")),
    "coupon_currency": (409, _("This coupon works only when paying in the shop's currency "
                               "(%(currency)s).")),
    "seller_account_unavailable": (409, _("This shop cannot take Mercado Pago payments right "
                                          "now: its Mercado Pago account needs to be connected "
                                          "again. The shop owner was told; try again later or "
                                          "pick another payment method.")),
    "cart_expired": (409, _("Your cart expired after a while without activity. Add the items "
                            "again.")),
    "price_changed": (409, _("Prices changed since you looked: the total is now %(total)s. "
                             "Review your cart and try again.")),
    "coupon_not_found": (404, _("This coupon does not exist.")),
    # A code of another app typed in the coupon field, refused by it (its message, translated).
    "code_refused": (409, "%(reason)s"),
    "coupon_inactive": (409, _("This coupon is disabled.")),
    "coupon_not_started": (409, _("This coupon is not valid yet.")),
    "coupon_expired": (409, _("This coupon has expired.")),
    "coupon_exhausted": (409, _("This coupon has been used up.")),
    "coupon_customer_limit": (409, _("You have already used this coupon as many times as "
                                     "allowed.")),
    "coupon_min_order": (409, _("This coupon needs an order of at least %(minimum)s.")),
    "coupon_not_applicable": (409, _("This coupon does not apply to the items in your cart.")),
    "payment_method_unavailable": (409, _("This payment method is not enabled in this shop.")),
    "payment_unavailable": (503, _("The payment service is unavailable right now. Your order "
                                   "is kept; try again in a minute.")),
    "order_not_found": (404, _("Order not found.")),
    "order_not_payable": (409, _("This order can no longer be paid.")),
    "not_refundable": (409, _("Order %(order)s has no approved payment to refund.")),
    "refund_invalid": (400, "%(reason)s"),  # payments' own message, already translated
    "refund_refused": (409, _("Mercado Pago refused this refund. Check the payment in your "
                              "Mercado Pago account.")),
    "provider_unavailable": (503, _("Mercado Pago is unavailable, try again in a few "
                                    "minutes.")),
    "post_not_allowed": (409, _("“%(item)s” is not for sale, so it cannot be posted.")),
    # trust/: blocklists, risk rules, manual review and reviews (refused before anything is
    # reserved or charged).
    "buyer_blocked_platform": (403, _("Purchases from your account are blocked by the Vitrine "
                                      "platform. Talk to the shop's staff if you think this "
                                      "is a mistake.")),
    "risk_account_too_new": (403, _("Your Discord account is too new to buy in this shop. "
                                    "You can buy from %(date)s.")),
    "risk_limit_reached": (429, _("You reached this shop's purchase limit for now. Try again "
                                  "later or talk to the staff.")),
    "order_not_held": (409, _("Order %(order)s is not waiting for review.")),
    "review_not_allowed": (403, _("Only the buyer of a delivered order can review it.")),
    "review_locked": (409, _("This review can no longer be changed (reviews can be edited for "
                             "7 days).")),
}


class SalesError(Exception):
    def __init__(self, code: str, *, extra: dict[str, Any] | None = None,
                 **params: Any) -> None:
        if code not in ERRORS:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(code)
        self.code = code
        self.params = params
        self.extra = extra or {}

    @property
    def status(self) -> int:
        return ERRORS[self.code][0]

    def message(self) -> str:
        """Render in the active language (callers wrap this in translation.override)."""
        template = str(ERRORS[self.code][1])
        return template % self.params if self.params else template

