"""Bot API views of memberships (/api/bot/v1/...): thin, on sales.api.base.BotAPIView, which
owns the instance token, the tenant scope and the error shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from memberships import kofi, selectors, services
from memberships import serializers as s
from memberships.errors import MembershipError
from memberships.models import Member, Tier
from money import format_money
from sales.api.base import BotAPIError, BotAPIView, validated
from sales.api.serializers import ErrorOut

ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 413)}


def tier_payload(tier: Tier) -> dict[str, Any]:
    return {"id": tier.pk, "name": tier.name, "description": tier.description,
            "price_cents": tier.price_cents, "currency": tier.currency,
            "price": format_money(tier.price_cents, tier.currency), "period": tier.period,
            "period_label": str(tier.get_period_display()), "trial_days": tier.trial_days}


def member_payload(member: Member) -> dict[str, Any]:
    return {"id": str(member.public_id), "status": member.status,
            "status_label": str(member.get_status_display()), "method": member.method,
            "tier": tier_payload(member.tier),
            "next_tier": tier_payload(member.next_tier) if member.next_tier else None,
            "period_end": member.current_period_end.isoformat(),
            "grace_ends_at": member.grace_ends_at.isoformat() if member.grace_ends_at
            else None}


def _payment(payment) -> dict[str, Any] | None:
    return payment.instructions().as_dict() if payment is not None else None


class MembershipAPIView(BotAPIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT"):
            _ = request.data  # a body that is not JSON is refused even where it is unused

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, MembershipError):
            exc = BotAPIError(exc.code, exc.status, exc.message)
        return super().handle_exception(exc)

    def _tiers(self) -> list[dict[str, Any]]:
        return [tier_payload(t) for t in selectors.tiers_on_sale(tenant=self.tenant)]


class TiersView(MembershipAPIView):
    @extend_schema(operation_id="membership_tiers", responses={200: s.TierListOut, **ERRORS})
    def get(self, request: Request) -> Response:
        return Response({"tiers": self._tiers()})


class MembershipView(MembershipAPIView):
    @extend_schema(operation_id="membership_state",
                   responses={200: s.MembershipStateOut, **ERRORS})
    def get(self, request: Request, discord_user_id: str) -> Response:
        member = services.live_member(self.customer(discord_user_id))
        shown = member if member is not None and member.status != Member.Status.PENDING \
            else None
        return Response({"membership": member_payload(shown) if shown else None,
                         "tiers": self._tiers()})

    @extend_schema(operation_id="membership_subscribe", request=s.SubscribeIn,
                   responses={201: s.SubscribeOut, **ERRORS})
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.SubscribeIn, request)
        checkout = services.member_subscribe(customer=customer, tier_id=data["tier_id"],
                                             method=data["method"])
        return Response({"membership": member_payload(checkout.member),
                         "payment": _payment(checkout.payment), "card_url": checkout.card_url},
                        status=status.HTTP_201_CREATED)


class CancelView(MembershipAPIView):
    @extend_schema(operation_id="membership_cancel", request=None,
                   responses={200: s.SubscribeOut, **ERRORS})
    def post(self, request: Request, discord_user_id: str) -> Response:
        member = services.member_cancel(customer=self.customer(discord_user_id))
        return Response({"membership": member_payload(member), "payment": None})


class SwitchView(MembershipAPIView):
    @extend_schema(operation_id="membership_switch", request=s.SwitchIn,
                   responses={200: s.SwitchOut, **ERRORS})
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.SwitchIn, request)
        switch = services.member_switch(customer=customer, tier_id=data["tier_id"])
        return Response({"membership": member_payload(switch.member), "applied": switch.applied,
                         "amount_cents": switch.amount_cents,
                         "payment": _payment(switch.payment)})


class PayView(MembershipAPIView):
    @extend_schema(operation_id="membership_pay", request=None,
                   responses={201: s.PayOut, **ERRORS})
    def post(self, request: Request, discord_user_id: str) -> Response:
        payment = services.member_pay_now(customer=self.customer(discord_user_id))
        return Response({"payment": _payment(payment)}, status=status.HTTP_201_CREATED)


class KofiLinkView(MembershipAPIView):
    @extend_schema(operation_id="kofi_link", request=s.KofiLinkIn,
                   responses={200: s.KofiLinkOut, **ERRORS})
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.KofiLinkIn, request)
        if not data.get("code"):
            kofi.link_start(customer=customer, email=data["email"])
            return Response({"status": "code_sent", "applied": 0})
        applied = kofi.link_confirm(customer=customer, email=data["email"], code=data["code"])
        return Response({"status": "linked", "applied": applied})
