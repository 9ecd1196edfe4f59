"""External fulfillment: POST the signed order JSON (sales/external.py) to the shop's URL."""

from __future__ import annotations

import requests
from django.utils.translation import gettext as _

from config import egress
from config.egress import EgressRefused, check_url
from sales.external import external_body, sign
from sales.fulfillment.errors import DeliveryError
from sales.models import Delivery

TIMEOUT = (5, 15)  # connect, read (seconds)


def post(delivery: Delivery) -> None:
    """2xx completes the delivery; 4xx fails it; 5xx, timeouts and refusals are retried."""
    variant = delivery.line.variant
    if variant is None or not variant.external_url:
        raise DeliveryError(permanent=True, metric="external_no_url",
                            reason=_("The variant has no fulfillment URL."))
    body = external_body(delivery)
    headers = {"Content-Type": "application/json",
               **sign(secret=variant.external_secret, body=body)}
    try:
        check_url(variant.external_url)  # after DNS, before each attempt (SSRF)
        response = egress.post(variant.external_url, data=body, headers=headers,
                               timeout=TIMEOUT)  # and the address it reached, no redirects
    except EgressRefused:
        raise DeliveryError(permanent=True, metric="external_refused",
                            reason=_("The fulfillment URL points to a private or local "
                                     "address; use a public https:// URL.")) from None
    except requests.RequestException as exc:
        raise DeliveryError(permanent=False, metric="external_unreachable",
                            reason=_("The fulfillment URL did not answer (%(error)s).")
                            % {"error": type(exc).__name__}) from None
    if 200 <= response.status_code < 300:
        return
    retryable = response.status_code >= 500 or response.status_code == 429
    raise DeliveryError(permanent=not retryable, metric=f"external_{response.status_code // 100}xx",
                        reason=_("The fulfillment URL answered HTTP %(status)s.")
                        % {"status": response.status_code})
