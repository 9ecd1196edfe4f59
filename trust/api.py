"""Bot API endpoints of trust (/api/bot/v1/...): the buyer's review from the DM buttons and
modal, the shop's ratings for /loja and product posts, and the staff's approval of a held order
(/aprovar). Every view inherits sales' BotAPIView (tenant from the instance token, one error
shape, staff claim checked before the view runs)."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from sales.api.base import BotAPIView
from sales.api.serializers import DISCORD_ID_RE, ErrorOut, StaffIn
from sales.errors import SalesError
from sales.models import Order
from trust import selectors, services

ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 413)}


class ReviewIn(serializers.Serializer):
    order = serializers.RegexField(r"^[A-Za-z0-9]{1,12}$", help_text="The order's code.")
    discord_user_id = serializers.RegexField(DISCORD_ID_RE, help_text=(
        "The buyer who clicked; only the order's buyer may review it (review_not_allowed)."))
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                    default="")


class ReviewOut(serializers.Serializer):
    order = serializers.CharField()
    stars = serializers.IntegerField()
    comment = serializers.CharField()
    created = serializers.BooleanField()
    editable_until = serializers.DateTimeField()
    message = serializers.CharField()


class RatingOut(serializers.Serializer):
    average = serializers.FloatField()
    count = serializers.IntegerField()


class RatingsOut(serializers.Serializer):
    shop = RatingOut(allow_null=True)
    products = serializers.DictField(child=RatingOut())


class ApproveOut(serializers.Serializer):
    order = serializers.CharField()
    status = serializers.CharField()
    message = serializers.CharField()


def _rating(rating: selectors.Rating | None) -> dict | None:
    return {"average": round(rating.average, 2), "count": rating.count} if rating else None


class ReviewsView(BotAPIView):
    @extend_schema(operation_id="review_submit", request=ReviewIn,
                   responses={200: ReviewOut, 429: ErrorOut, **ERRORS},
                   summary="The buyer's stars and comment for their delivered order (created, "
                           "or edited within 7 days: review_locked after)")
    def post(self, request: Request) -> Response:
        data = ReviewIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        review, created = services.review_submit(
            tenant=self.tenant, code=v["order"], discord_user_id=v["discord_user_id"],
            stars=v["stars"], comment=v["comment"])
        until = formats.date_format(timezone.localtime(review.editable_until),
                                    "SHORT_DATE_FORMAT")
        message = (gettext("Thanks for your review! You can change it until %(date)s.")
                   if created else gettext("Review updated. You can change it until %(date)s."))
        return Response({"order": review.order.code, "stars": review.stars,
                         "comment": review.comment, "created": created,
                         "editable_until": review.editable_until,
                         "message": message % {"date": until}})


class RatingsView(BotAPIView):
    @extend_schema(operation_id="ratings", responses={200: RatingsOut, **ERRORS},
                   summary="Average stars and count of visible reviews: the shop's and per "
                           "product id (for /loja and product posts)")
    def get(self, request: Request) -> Response:
        products = selectors.product_ratings(tenant=self.tenant)
        return Response({"shop": _rating(selectors.shop_rating(tenant=self.tenant)),
                         "products": {str(pid): _rating(r) for pid, r in products.items()}})


class OrderApproveView(BotAPIView):
    staff_methods = frozenset({"POST"})

    @extend_schema(operation_id="order_approve", request=StaffIn,
                   responses={200: ApproveOut, **ERRORS},
                   summary="Staff (/aprovar): release an order a risk rule held for review; "
                           "its deliveries start (order_not_held 409 when it is not waiting)")
    def post(self, request: Request, code: str) -> Response:
        claim = StaffIn(data=request.data)
        claim.is_valid(raise_exception=True)
        order = (Order.objects.for_tenant(self.tenant).select_related("tenant", "customer")
                 .filter(code=code.upper()).first())
        if order is None:
            raise SalesError("order_not_found")
        services.order_approve(order=order, actor=None,
                               actor_label=f"bot staff:{claim.validated_data['user_id']}")
        return Response({"order": order.code, "status": order.status,
                         "message": gettext("Order %(code)s approved: its delivery has "
                                            "started.") % {"code": order.code}})
