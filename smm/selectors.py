"""Reads for the SMM app: what the buyer and the portal see of panel orders."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from smm.models import Panel, PanelOrder, ServiceMapping

RECENT = 10


def buyer_panel_orders(*, tenant: Any, discord_user_id: str,
                       limit: int = RECENT) -> list[PanelOrder]:
    return list(PanelOrder.objects.for_tenant(tenant)
                .filter(order__customer__discord_user_id=discord_user_id)
                .exclude(panel_order_id="")
                .select_related("order", "delivery__line").prefetch_related("refills")
                .order_by("-created_at", "-id")[:limit])


def panel_orders(*, tenant: Any) -> QuerySet[PanelOrder]:
    return (PanelOrder.objects.for_tenant(tenant).select_related("order", "delivery__line")
            .order_by("-created_at", "-id"))


def panel_orders_of(*, tenant: Any, order: Any) -> list[PanelOrder]:
    return list(PanelOrder.objects.for_tenant(tenant).filter(order=order)
                .prefetch_related("refills"))


def panel(*, tenant: Any) -> Panel | None:
    return Panel.objects.for_tenant(tenant).first()


def mapping_of(*, tenant: Any, variant: Any) -> ServiceMapping | None:
    return ServiceMapping.objects.for_tenant(tenant).filter(variant=variant).first()


def can_refill(po: PanelOrder) -> bool:
    busy = any(r.next_check_at is not None for r in po.refills.all())
    return po.refill_allowed and po.status in (PanelOrder.Status.COMPLETED,
                                                PanelOrder.Status.PARTIAL) and not busy


def progress_percent(po: PanelOrder) -> int:
    if po.quantity <= 0:
        return 0
    return min(100, po.delivered * 100 // po.quantity)
