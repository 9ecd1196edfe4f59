"""Bot API for affiliates (/afiliado): join and see one's code and stats; use someone's code."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from affiliates.selectors import affiliate_stats
from affiliates.services import AffiliateRefused, affiliate_join, program, referral_use
from money import format_money
from sales.api.base import BotAPIError, BotAPIView
from sales.api.serializers import ErrorOut

ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 413)}
STATUS = {"affiliates_disabled": 409, "affiliate_unknown": 404, "self_referral": 409}


class AffiliateOut(serializers.Serializer):
    code = serializers.CharField()
    percent = serializers.IntegerField()
    clicks = serializers.IntegerField()
    sales = serializers.IntegerField()
    owed_display = serializers.CharField()
    paid_display = serializers.CharField()
    debt_display = serializers.CharField()


class ReferralIn(serializers.Serializer):
    code = serializers.CharField(max_length=16)


class ReferralOut(serializers.Serializer):
    code = serializers.CharField()


def _refused(exc: AffiliateRefused) -> BotAPIError:
    return BotAPIError(exc.code, STATUS.get(exc.code, 409), str(exc))


class AffiliateView(BotAPIView):
    @extend_schema(operation_id="affiliate_join", request=None,
                   responses={200: AffiliateOut, **ERRORS},
                   summary="The buyer's affiliate code (made on first call) and stats")
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        try:
            affiliate = affiliate_join(customer=customer)
        except AffiliateRefused as exc:
            raise _refused(exc) from None
        stats, currency = affiliate_stats(affiliate=affiliate), self.tenant.currency
        return Response({"code": affiliate.code, "percent": program(self.tenant)[1],
                         "clicks": stats.clicks, "sales": stats.sales,
                         "owed_display": format_money(stats.owed_cents, currency),
                         "paid_display": format_money(stats.paid_cents, currency),
                         "debt_display": format_money(stats.debt_cents, currency)})


class ReferralView(BotAPIView):
    @extend_schema(operation_id="referral_use", request=ReferralIn,
                   responses={200: ReferralOut, **ERRORS},
                   summary="The buyer used an affiliate's code: their next paid orders earn "
                           "that affiliate a commission (self_referral 409)")
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        serializer = ReferralIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            affiliate = referral_use(customer=customer, code=serializer.validated_data["code"])
        except AffiliateRefused as exc:
            raise _refused(exc) from None
        return Response({"code": affiliate.code})
