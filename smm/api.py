"""Bot API endpoints of the SMM app (/api/bot/v1/customers/<id>/services/...): the buyer's
panel orders with their progress for /meuspedidos, and the refill button. Thin: a selector or
a service, then the payload."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from money import format_money
from sales.api.base import BotAPIError, BotAPIView
from sales.api.serializers import ErrorOut
from smm import selectors, services
from smm.models import PanelOrder

ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 503)}


class ServiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    order_code = serializers.CharField()
    item = serializers.CharField()
    status = serializers.CharField(help_text="pending, in_progress, processing, completed, "
                                             "partial, canceled or failed.")
    status_display = serializers.CharField()
    quantity = serializers.IntegerField()
    delivered = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    refund_display = serializers.CharField(allow_blank=True)
    can_refill = serializers.BooleanField()
    refill_status = serializers.CharField(allow_blank=True)


class ServiceListOut(serializers.Serializer):
    services = ServiceOut(many=True)


class RefillOut(serializers.Serializer):
    message = serializers.CharField()


def service_payload(po: PanelOrder) -> dict[str, Any]:
    line = po.delivery.line
    refills = list(po.refills.all())
    refunded = po.refund_cents if po.refund_state == PanelOrder.Refund.DONE else 0
    return {
        "id": po.pk, "order_code": po.order.code,
        "item": f"{line.product_name} · {line.variant_label}",
        "status": po.status, "status_display": str(po.get_status_display()),
        "quantity": po.quantity, "delivered": po.delivered,
        "progress_percent": selectors.progress_percent(po),
        "refund_display": format_money(refunded, po.order.currency) if refunded else "",
        "can_refill": selectors.can_refill(po),
        "refill_status": refills[0].status if refills else "",
    }


class ServicesView(BotAPIView):
    @extend_schema(operation_id="customer_services", responses={200: ServiceListOut, **ERRORS},
                   summary="The buyer's services ordered at the shop's SMM panel, with their "
                           "progress (/meuspedidos)")
    def get(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        rows = selectors.buyer_panel_orders(tenant=self.tenant,
                                            discord_user_id=customer.discord_user_id)
        return Response({"services": [service_payload(po) for po in rows]})


_REFILL_ERRORS = {
    "not_found": (status.HTTP_404_NOT_FOUND, lambda: _("Service order not found.")),
    "not_allowed": (status.HTTP_409_CONFLICT,
                    lambda: _("This service cannot be refilled (yet).")),
    "in_progress": (status.HTTP_409_CONFLICT,
                    lambda: _("A refill of this order is already in progress.")),
    "refused": (status.HTTP_409_CONFLICT,
                lambda: _("The provider refused the refill. Talk to the staff.")),
    "unavailable": (status.HTTP_503_SERVICE_UNAVAILABLE,
                    lambda: _("The provider is unavailable; try again in a few minutes.")),
}


class RefillView(BotAPIView):
    @extend_schema(operation_id="customer_service_refill", request=None,
                   responses={201: RefillOut, **ERRORS},
                   summary="The buyer asks for a refill of a finished service order of theirs")
    def post(self, request: Request, discord_user_id: str, service_id: int) -> Response:
        customer = self.customer(discord_user_id)
        try:
            services.refill_request(tenant_id=self.tenant.pk,
                                    discord_user_id=customer.discord_user_id,
                                    panel_order_id=service_id)
        except services.RefillError as exc:
            code, text = _REFILL_ERRORS[exc.code]
            raise BotAPIError(f"refill_{exc.code}", code, text()) from None
        return Response({"message": _("Refill requested. It can take a few hours.")},
                        status=status.HTTP_201_CREATED)
