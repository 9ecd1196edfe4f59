"""Ko-fi's webhook, as its "Webhooks" page documents it.

Ko-fi POSTs `application/x-www-form-urlencoded` with one field, `data`, a JSON string:

    {"verification_token": "...", "message_id": "<uuid>", "timestamp": "2022-08-21T13:04:30Z",
     "type": "Donation" | "Subscription" | "Shop Order" | "Commission", "is_public": true,
     "from_name": "Jo Example", "message": "Good luck", "amount": "3.00",
     "url": "https://ko-fi.com/Home/CoffeeShop?txid=...", "email": "jo@example.com",
     "currency": "USD", "is_subscription_payment": false,
     "is_first_subscription_payment": false, "kofi_transaction_id": "<uuid>",
     "shop_items": null, "tier_name": null, "shipping": null}

Monthly subscription payments have `is_subscription_payment` true, the first one
`is_first_subscription_payment` too, and `tier_name` names a membership tier. Ko-fi retries a
delivery (same `message_id`) until it gets a 200. `duplicate` sends each webhook twice,
`out_of_order` holds them until `flush()`, which sends them newest first.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Delivery:
    payload: dict[str, Any]
    status: int
    body: str


@dataclass
class KofiEmulator:
    webhook_url: str
    verification_token: str
    duplicate: bool = False
    out_of_order: bool = False
    held: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    # -- payloads --------------------------------------------------------------------------
    def payload(self, *, type: str, email: str, amount: str, currency: str = "BRL",
                from_name: str = "Supporter", message: str = "", tier_name: str | None = None,
                is_subscription_payment: bool = False,
                is_first_subscription_payment: bool = False,
                timestamp: datetime | None = None,
                shop_items: list[dict[str, str]] | None = None) -> dict[str, Any]:
        txid = str(uuid.uuid4())
        moment = (timestamp or datetime.now(UTC)).astimezone(UTC)
        return {
            "verification_token": self.verification_token,
            "message_id": str(uuid.uuid4()),
            "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "type": type, "is_public": True, "from_name": from_name, "message": message,
            "amount": amount, "url": f"https://ko-fi.com/Home/CoffeeShop?txid={txid}",
            "email": email, "currency": currency,
            "is_subscription_payment": is_subscription_payment,
            "is_first_subscription_payment": is_first_subscription_payment,
            "kofi_transaction_id": txid, "shop_items": shop_items, "tier_name": tier_name,
            "shipping": None,
        }

    def donation(self, *, email: str, amount: str, **extra: Any) -> dict[str, Any]:
        return self.send(self.payload(type="Donation", email=email, amount=amount, **extra))

    def subscription(self, *, email: str, amount: str, tier_name: str, first: bool = False,
                     **extra: Any) -> dict[str, Any]:
        return self.send(self.payload(type="Subscription", email=email, amount=amount,
                                      tier_name=tier_name, is_subscription_payment=True,
                                      is_first_subscription_payment=first, **extra))

    def shop_order(self, *, email: str, amount: str, **extra: Any) -> dict[str, Any]:
        return self.send(self.payload(type="Shop Order", email=email, amount=amount,
                                      shop_items=[{"direct_link_code": "abc123"}], **extra))

    # -- delivery --------------------------------------------------------------------------
    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self.out_of_order:
            self.held.append(payload)
            return payload
        for _copy in range(2 if self.duplicate else 1):
            self.post(payload)
        return payload

    def flush(self) -> int:
        """Send the held webhooks, newest first (out of order)."""
        held, self.held = list(reversed(self.held)), []
        for payload in held:
            for _copy in range(2 if self.duplicate else 1):
                self.post(payload)
        return len(held)

    def post(self, payload: dict[str, Any], *, token: str | None = None) -> Delivery:
        """One POST as Ko-fi makes it; `token` forges another verification token."""
        body = dict(payload)
        if token is not None:
            body["verification_token"] = token
        data = urllib.parse.urlencode({"data": json.dumps(body)}).encode()
        request = urllib.request.Request(
            self.webhook_url, data=data, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "User-Agent": "Ko-fi webhook"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                delivery = Delivery(payload, response.status, response.read().decode())
        except urllib.error.HTTPError as exc:
            delivery = Delivery(payload, exc.code, exc.read().decode())
        self.deliveries.append(delivery)
        return delivery
