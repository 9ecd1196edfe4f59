"""State and rules of the SMM panel emulator: the de-facto standard panel API v2 (the one
PerfectPanel and its many clones serve), as shops meet it.

Services decide how orders behave, so a test or a demo picks the outcome by service id:
each status query moves an order one step (Pending -> In progress ... -> its end):

    1  Followers       completes       refill yes, cancel yes
    2  Likes           ends Partial    (40% not delivered) refill yes
    3  Views           gets Canceled   at the second check
    4  Comments        completes       refill no

Errors are answered as panels do: HTTP 200 with {"error": "..."}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

STEPS = 3  # status queries from Pending to the end


@dataclass
class Service:
    service: int
    name: str
    category: str
    rate: Decimal  # per 1000
    min: int
    max: int
    refill: bool
    cancel: bool
    outcome: str  # completed | partial | canceled

    def public(self) -> dict[str, Any]:
        return {"service": self.service, "name": self.name, "type": "Default",
                "category": self.category, "rate": f"{self.rate:.2f}", "min": str(self.min),
                "max": str(self.max), "refill": self.refill, "cancel": self.cancel}


SERVICES = [
    Service(1, "Instagram Followers", "Instagram", Decimal("0.90"), 10, 100_000, True, True,
            "completed"),
    Service(2, "Instagram Likes", "Instagram", Decimal("0.20"), 10, 100_000, True, False,
            "partial"),
    Service(3, "TikTok Views", "TikTok", Decimal("0.05"), 100, 1_000_000, False, True,
            "canceled"),
    Service(4, "YouTube Comments", "YouTube", Decimal("5.00"), 1, 1_000, False, False,
            "completed"),
]


@dataclass
class Order:
    id: int
    service: Service
    link: str
    quantity: int
    charge: Decimal
    start_count: int = 0
    status: str = "Pending"
    remains: int = 0
    steps: int = 0
    forced: bool = False

    def public(self) -> dict[str, Any]:
        return {"charge": f"{self.charge:.5f}", "start_count": str(self.start_count),
                "status": self.status, "remains": str(self.remains), "currency": "USD"}


@dataclass
class RefillJob:
    id: int
    order: int
    status: str = "Pending"
    checks: int = 0


class PanelError(Exception):
    pass


@dataclass
class Emulator:
    api_key: str = "smm-sandbox-key"
    balance: Decimal = Decimal("100.00")
    orders: dict[int, Order] = field(default_factory=dict)
    refills: dict[int, RefillJob] = field(default_factory=dict)
    calls: list[dict[str, str]] = field(default_factory=list)
    fail_next: int = 0  # the next N calls answer HTTP 500 (an outage)
    next_order: int = 1000
    next_refill: int = 1
    services: list[Service] = field(default_factory=lambda: list(SERVICES))

    # -- the API -------------------------------------------------------------------------------
    def handle(self, form: dict[str, str]) -> Any:
        self.calls.append({k: v for k, v in form.items() if k != "key"})
        if form.get("key") != self.api_key:
            raise PanelError("Invalid API key")
        action = form.get("action", "")
        handler = getattr(self, f"_action_{action}", None)
        if handler is None:
            raise PanelError("Incorrect request")
        return handler(form)

    def _action_services(self, form: dict[str, str]) -> Any:
        return [s.public() for s in self.services]

    def _action_balance(self, form: dict[str, str]) -> Any:
        return {"balance": f"{self.balance:.5f}", "currency": "USD"}

    def _action_add(self, form: dict[str, str]) -> Any:
        service = self._service(form.get("service", ""))
        link = form.get("link", "").strip()
        if not link.startswith(("http://", "https://", "@")) and "/" not in link:
            raise PanelError("Incorrect link")
        quantity = _int(form.get("quantity"))
        if quantity is None or quantity < service.min:
            raise PanelError(f"Quantity less than minimal {service.min}")
        if quantity > service.max:
            raise PanelError(f"Quantity more than maximum {service.max}")
        charge = (service.rate * quantity / 1000).quantize(Decimal("0.00001"),
                                                          rounding=ROUND_HALF_UP)
        if charge > self.balance:
            raise PanelError("Not enough funds on balance")
        self.balance -= charge
        self.next_order += 1
        order = Order(id=self.next_order, service=service, link=link, quantity=quantity,
                      charge=charge, start_count=len(link) * 10, remains=quantity)
        self.orders[order.id] = order
        return {"order": order.id}

    def _action_status(self, form: dict[str, str]) -> Any:
        if "orders" in form:
            ids = [part.strip() for part in form["orders"].split(",") if part.strip()][:100]
            return {raw: self._status_one(raw) for raw in ids}
        answer = self._status_one(form.get("order", ""))
        if "error" in answer:
            raise PanelError(answer["error"])
        return answer

    def _status_one(self, raw: str) -> dict[str, Any]:
        order = self.orders.get(_int(raw) or -1)
        if order is None:
            return {"error": "Incorrect order ID"}
        self._advance(order)
        return order.public()

    def _advance(self, order: Order) -> None:
        if order.forced or order.status in ("Completed", "Partial", "Canceled"):
            return
        order.steps += 1
        outcome = order.service.outcome
        if outcome == "canceled" and order.steps >= 2:
            order.status, order.remains, order.charge = "Canceled", order.quantity, Decimal(0)
            return
        if order.steps >= STEPS:
            if outcome == "partial":
                order.status, order.remains = "Partial", order.quantity * 4 // 10
            else:
                order.status, order.remains = "Completed", 0
            return
        order.status = "In progress"
        order.remains = order.quantity - order.quantity * order.steps // STEPS

    def _action_refill(self, form: dict[str, str]) -> Any:
        order = self.orders.get(_int(form.get("order")) or -1)
        if order is None:
            raise PanelError("Incorrect order ID")
        if not order.service.refill or order.status not in ("Completed", "Partial"):
            raise PanelError("Refill is not available for this order")
        self.next_refill += 1
        self.refills[self.next_refill] = RefillJob(id=self.next_refill, order=order.id)
        return {"refill": str(self.next_refill)}

    def _action_refill_status(self, form: dict[str, str]) -> Any:
        job = self.refills.get(_int(form.get("refill")) or -1)
        if job is None:
            raise PanelError("Incorrect refill ID")
        job.checks += 1
        job.status = "Completed" if job.checks >= 2 else "In progress"
        return {"status": job.status}

    def _action_cancel(self, form: dict[str, str]) -> Any:
        out = []
        for raw in [p.strip() for p in form.get("orders", "").split(",") if p.strip()][:100]:
            order = self.orders.get(_int(raw) or -1)
            if order is None:
                out.append({"order": _int(raw) or raw, "cancel": {"error": "Incorrect order ID"}})
            elif not order.service.cancel or order.status in ("Completed", "Partial",
                                                              "Canceled"):
                out.append({"order": order.id,
                            "cancel": {"error": "Cancel is not available for this order"}})
            else:
                order.status, order.remains, order.forced = "Canceled", order.quantity, True
                self.balance += order.charge
                out.append({"order": order.id, "cancel": 1})
        return out

    def _service(self, raw: str) -> Service:
        wanted = _int(raw)
        for service in self.services:
            if service.service == wanted:
                return service
        raise PanelError("Incorrect service ID")

    # -- control (tests, demos) ----------------------------------------------------------------
    def force(self, order_id: int, *, status: str, remains: int | None = None) -> dict[str, Any]:
        order = self.orders[order_id]
        order.status, order.forced = status, True
        if remains is not None:
            order.remains = remains
        return order.public()


def _int(raw: Any) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None
