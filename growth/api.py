"""Growth's Bot API endpoints (under /api/bot/v1/): what the bot saw (storefront views,
member joins) and the buyer's /notificacoes. Thin; the tenant comes from BotAPIView."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from growth.services import events, recovery, welcome
from sales.api.base import BotAPIView, validated
from sales.api.serializers import DISCORD_ID_RE, ErrorOut

ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 413)}


class ViewsIn(serializers.Serializer):
    product_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), max_length=50,
        required=False, default=list,
        help_text="The product cards the storefront showed (ids of other shops are dropped).")


class ViewsOut(serializers.Serializer):
    product_views = serializers.IntegerField()


class NotificationsIn(serializers.Serializer):
    enabled = serializers.BooleanField()


class NotificationsOut(serializers.Serializer):
    enabled = serializers.BooleanField()


class MemberIn(serializers.Serializer):
    discord_user_id = serializers.RegexField(DISCORD_ID_RE)


class MemberOut(serializers.Serializer):
    welcomed = serializers.BooleanField()


class StorefrontViewsView(BotAPIView):
    @extend_schema(operation_id="storefront_views", request=ViewsIn,
                   responses={200: ViewsOut, **ERRORS},
                   summary="The buyer opened the storefront (/loja): a view for the funnel")
    def post(self, request: Request) -> Response:
        data = validated(ViewsIn, request)
        return Response({"product_views": events.views_record(
            tenant=self.tenant, product_ids=data["product_ids"])})


class NotificationsView(BotAPIView):
    """/notificacoes: reminders on or off for this buyer; 404 for a buyer this shop lacks."""

    @extend_schema(operation_id="notifications_get", responses={200: NotificationsOut, **ERRORS})
    def get(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        return Response({"enabled": recovery.notifications_enabled(customer=customer)})

    @extend_schema(operation_id="notifications_set", request=NotificationsIn,
                   responses={200: NotificationsOut, **ERRORS})
    def put(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(NotificationsIn, request)
        return Response({"enabled": recovery.notifications_set(customer=customer,
                                                               enabled=data["enabled"])})


class MemberWelcomeView(BotAPIView):
    @extend_schema(operation_id="member_welcome", request=MemberIn,
                   responses={200: MemberOut, **ERRORS},
                   summary="A member joined the server: welcome them once, if the shop wants")
    def post(self, request: Request) -> Response:
        data = validated(MemberIn, request)
        return Response({"welcomed": welcome.member_joined(
            tenant=self.tenant, discord_user_id=data["discord_user_id"])})
