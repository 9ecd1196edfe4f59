"""Bot API for affiliates (/afiliado): join and see one's code, links and stats; use someone's
code; take one's commissions out (to store credit, or by PIX through the operators' queue)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from affiliates.links import affiliate_links
from affiliates.models import Affiliate
from affiliates.selectors import affiliate_stats
from affiliates.services import (
    AffiliateRefused,
    affiliate_join,
    affiliate_to_credit,
    affiliate_withdraw,
    program,
    referral_use,
)
from money import format_money
from sales.api.base import BotAPIError, BotAPIView
from sales.api.serializers import ErrorOut
from wallet.models import PixKeyType

ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 413)}
STATUS = {"affiliates_disabled": 409, "affiliate_unknown": 404, "self_referral": 409,
          "affiliate_debt": 409, "commission_short": 409, "withdrawal_invalid": 400,
          "amount_invalid": 400, "request_invalid": 400}


class AffiliateLinkOut(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)  # blank: the shop itself
    url = serializers.CharField()


class AffiliateOut(serializers.Serializer):
    code = serializers.CharField()
    percent = serializers.IntegerField()
    clicks = serializers.IntegerField()
    sales = serializers.IntegerField()
    owed_display = serializers.CharField()
    paid_display = serializers.CharField()
    debt_display = serializers.CharField()
    link_clicks = serializers.IntegerField()
    balance_cents = serializers.IntegerField()
    balance_display = serializers.CharField()
    withdrawn_display = serializers.CharField()
    links = AffiliateLinkOut(many=True)


class WithdrawIn(serializers.Serializer):
    amount_cents = serializers.IntegerField(min_value=1, max_value=10_000_000)
    pix_key_type = serializers.ChoiceField(choices=PixKeyType.choices)
    pix_key = serializers.CharField(max_length=140)
    request_id = serializers.RegexField(r"^[A-Za-z0-9:-]{1,60}$")


class WithdrawOut(serializers.Serializer):
    withdrawal_id = serializers.IntegerField()
    amount_display = serializers.CharField()
    status = serializers.CharField()


class ToCreditIn(serializers.Serializer):
    amount_cents = serializers.IntegerField(min_value=1, max_value=10_000_000)
    request_id = serializers.RegexField(r"^[A-Za-z0-9:-]{1,60}$")


class ToCreditOut(serializers.Serializer):
    moved_display = serializers.CharField()
    balance_display = serializers.CharField()


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
                         "debt_display": format_money(stats.debt_cents, currency),
                         "link_clicks": stats.link_clicks,
                         "balance_cents": stats.balance_cents,
                         "balance_display": format_money(stats.balance_cents, currency),
                         "withdrawn_display": format_money(stats.withdrawn_cents, currency),
                         "links": [{"name": name, "url": url} for name, url in
                                   affiliate_links(affiliate=affiliate)]})


class _OwnAffiliate(BotAPIView):
    def affiliate(self, discord_user_id: str):
        customer = self.customer(discord_user_id)
        found = Affiliate.objects.for_tenant(self.tenant).filter(customer=customer).first()
        if found is None:
            raise BotAPIError("affiliate_unknown", 404, "Run /afiliado first.")
        return found


class WithdrawView(_OwnAffiliate):
    @extend_schema(operation_id="affiliate_withdraw", request=WithdrawIn,
                   responses={201: WithdrawOut, **ERRORS},
                   summary="Withdraw commissions by PIX (operators' queue); once per request_id; "
                           "affiliate_debt 409 while a reversed commission is owed")
    def post(self, request: Request, discord_user_id: str) -> Response:
        affiliate = self.affiliate(discord_user_id)
        data = WithdrawIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            withdrawal = affiliate_withdraw(
                affiliate=affiliate, amount_cents=data.validated_data["amount_cents"],
                pix_key_type=data.validated_data["pix_key_type"],
                pix_key=data.validated_data["pix_key"],
                request_key=data.validated_data["request_id"])
        except AffiliateRefused as exc:
            raise _refused(exc) from None
        return Response({"withdrawal_id": withdrawal.pk, "status": withdrawal.status,
                         "amount_display": format_money(withdrawal.amount_cents,
                                                        self.tenant.currency)}, status=201)


class ToCreditView(_OwnAffiliate):
    @extend_schema(operation_id="affiliate_to_credit", request=ToCreditIn,
                   responses={200: ToCreditOut, **ERRORS},
                   summary="Move commissions to the affiliate's store credit; once per "
                           "request_id")
    def post(self, request: Request, discord_user_id: str) -> Response:
        affiliate = self.affiliate(discord_user_id)
        data = ToCreditIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            left = affiliate_to_credit(affiliate=affiliate,
                                       amount_cents=data.validated_data["amount_cents"],
                                       request_key=data.validated_data["request_id"])
        except AffiliateRefused as exc:
            raise _refused(exc) from None
        currency = self.tenant.currency
        return Response({"moved_display": format_money(data.validated_data["amount_cents"],
                                                       currency),
                         "balance_display": format_money(left, currency)})


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
