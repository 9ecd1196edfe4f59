"""The public shop API (/api/v1/): read the shop's products, stock counts, orders, customers
and deliveries with an API key (`Authorization: Bearer vk_...`) holding the needed scope.
Every query is scoped to the key's shop; rate limited per key; errors as
`{"error": {"code", "message"}}`. Thin views: a scoped queryset, a page, a shape."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from catalog.models import Product
from catalog.selectors import variants_with_counts
from developer import orders_in
from developer.keys import key_authenticate
from sales.errors import SalesError
from sales.models import Customer, Delivery, Order

MAX_LIMIT = 100


class KeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Bearer "):
            return None
        key = key_authenticate(header[7:].strip())
        if key is None:
            raise exceptions.AuthenticationFailed("invalid API key")
        return (None, key)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class KeyScheme(OpenApiAuthenticationExtension):
    target_class = "developer.api.KeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {"type": "http", "scheme": "bearer", "description": "vk_<prefix>_<secret>"}


class HasScope(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if key is None:
            raise exceptions.NotAuthenticated()
        needed = view.scopes_needed.get(request.method, view.scope_needed)
        if needed not in (key.scopes or []):
            raise exceptions.PermissionDenied(f"this key lacks the {needed} scope")
        return True


class PerKeyThrottle(SimpleRateThrottle):
    scope = "public_api"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key = request.auth
        return f"throttle:public_api:{key.pk}" if key is not None else None


class PublicErrorDetail(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class PublicErrorOut(serializers.Serializer):
    error = PublicErrorDetail()


ERRORS = {code: PublicErrorOut for code in (400, 401, 403, 404, 429)}
PAGE = [OpenApiParameter("limit", int, description=f"1 to {MAX_LIMIT} (default 25)"),
        OpenApiParameter("offset", int, description="0 or more")]
_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          409: "idempotency_conflict",
          405: "method_not_allowed", 406: "not_acceptable", 415: "unsupported_media_type",
          429: "rate_limited"}


class PublicAPIView(APIView):
    authentication_classes = [KeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [PerKeyThrottle]
    scope_needed = ""
    scopes_needed: dict[str, str] = {}  # per HTTP method, when it differs

    @property
    def tenant_id(self) -> int:
        return self.request.auth.tenant_id

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, SalesError):  # a sales rule, in its own words
            return Response({"error": {"code": exc.code, "message": exc.message()}},
                            status=exc.status)
        response = super().handle_exception(exc)
        code = _CODES.get(response.status_code, "error")
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        message = str(detail) or code.replace("_", " ")
        if isinstance(exc, exceptions.ValidationError):
            message = "invalid parameters"
        response.data = {"error": {"code": code, "message": message}}
        return response

    def page(self, qs: QuerySet) -> QuerySet:
        params = self.request.query_params
        try:
            limit = int(params.get("limit", 25))
            offset = int(params.get("offset", 0))
        except ValueError:
            raise exceptions.ValidationError("limit and offset are integers") from None
        if not (1 <= limit <= MAX_LIMIT and 0 <= offset <= 10**9):
            raise exceptions.ValidationError("limit or offset out of range")
        return qs[offset:offset + limit]


# -- shapes ------------------------------------------------------------------------------------

class PublicPriceOut(serializers.Serializer):
    currency = serializers.CharField()
    amount_cents = serializers.IntegerField(help_text="Integer minor units of `currency`.")


class PublicVariantOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    price_cents = serializers.IntegerField(help_text="In the shop's currency.")
    currency = serializers.CharField(help_text="The shop's currency, that of price_cents.")
    prices = PublicPriceOut(many=True, help_text=(
        "Its price in each currency it is sold in, the shop's first (others: card via Stripe)."))
    fulfillment = serializers.CharField()
    is_active = serializers.BooleanField()


class PublicProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    is_active = serializers.BooleanField()
    variants = PublicVariantOut(many=True)


class PublicProductListOut(serializers.Serializer):
    results = PublicProductOut(many=True)


class PublicStockOut(serializers.Serializer):
    variant_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    available = serializers.IntegerField()
    reserved = serializers.IntegerField()
    sold = serializers.IntegerField()


class PublicStockListOut(serializers.Serializer):
    results = PublicStockOut(many=True)


class PublicLineOut(serializers.Serializer):
    product = serializers.CharField()
    variant = serializers.CharField()
    quantity = serializers.IntegerField()
    line_total_cents = serializers.IntegerField()


class PublicOrderOut(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()
    total_cents = serializers.IntegerField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    customer = serializers.CharField(help_text="The buyer's Discord user id.")
    lines = PublicLineOut(many=True)


class PublicOrderListOut(serializers.Serializer):
    results = PublicOrderOut(many=True)


class PublicCustomerOut(serializers.Serializer):
    discord_user_id = serializers.CharField()
    display_name = serializers.CharField()
    lifetime_spend_cents = serializers.IntegerField()
    first_purchase_at = serializers.DateTimeField(allow_null=True)


class PublicCustomerListOut(serializers.Serializer):
    results = PublicCustomerOut(many=True)


class PublicDeliveryOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    attempts = serializers.IntegerField()
    done_at = serializers.DateTimeField(allow_null=True)


class PublicDeliveryListOut(serializers.Serializer):
    results = PublicDeliveryOut(many=True)


def _product(p: Product) -> dict[str, Any]:
    shop = p.tenant.currency
    return {"id": p.pk, "name": p.name, "description": p.description, "category": p.category,
            "is_active": p.is_active,
            "variants": [{"id": v.pk, "label": v.label, "price_cents": v.price_cents,
                          "currency": shop,
                          "prices": [{"currency": shop, "amount_cents": v.price_cents}] + [
                              {"currency": x.currency, "amount_cents": x.amount_cents}
                              for x in v.prices.all() if x.currency != shop],
                          "fulfillment": v.fulfillment, "is_active": v.is_active}
                         for v in p.variants.all()]}


def _order(o: Order) -> dict[str, Any]:
    return {"code": o.code, "status": o.status, "total_cents": o.total_cents,
            "currency": o.currency, "created_at": o.created_at, "paid_at": o.paid_at,
            "customer": o.customer.discord_user_id,
            "lines": [{"product": ln.product_name, "variant": ln.variant_label,
                       "quantity": ln.quantity, "line_total_cents": ln.line_total_cents}
                      for ln in o.lines.all()]}


# -- endpoints ---------------------------------------------------------------------------------

class ProductsView(PublicAPIView):
    scope_needed = "products:read"

    @extend_schema(operation_id="public_products", parameters=PAGE,
                   responses={200: PublicProductListOut, **ERRORS})
    def get(self, request: Request) -> Response:
        qs = (Product.objects.for_tenant(self.tenant_id).select_related("tenant")
              .prefetch_related("variants__prices"))
        return Response({"results": [_product(p) for p in self.page(qs.order_by("id"))]})


class ProductView(PublicAPIView):
    scope_needed = "products:read"

    @extend_schema(operation_id="public_product", responses={200: PublicProductOut, **ERRORS})
    def get(self, request: Request, product_id: int) -> Response:
        product = (Product.objects.for_tenant(self.tenant_id).select_related("tenant")
                   .prefetch_related("variants__prices").filter(pk=product_id).first())
        if product is None:
            raise exceptions.NotFound("no such product")
        return Response(_product(product))


class StockView(PublicAPIView):
    scope_needed = "stock:read"

    @extend_schema(operation_id="public_stock", parameters=PAGE,
                   responses={200: PublicStockListOut, **ERRORS})
    def get(self, request: Request) -> Response:
        qs = variants_with_counts(tenant=self.tenant_id).filter(fulfillment="stock")
        return Response({"results": [
            {"variant_id": v.pk, "product_id": v.product_id, "available": v.stock_available,
             "reserved": v.stock_reserved, "sold": v.stock_sold}
            for v in self.page(qs.order_by("id"))]})


def _orders(tenant_id: int) -> QuerySet[Order]:
    return (Order.objects.for_tenant(tenant_id).select_related("customer")
            .prefetch_related("lines"))


class OrdersView(PublicAPIView):
    scope_needed = "orders:read"
    scopes_needed = {"POST": "orders:write"}

    @extend_schema(operation_id="public_orders", parameters=PAGE,
                   responses={200: PublicOrderListOut, **ERRORS})
    def get(self, request: Request) -> Response:
        return Response({"results": [_order(o) for o in self.page(_orders(self.tenant_id))]})

    @extend_schema(operation_id="public_order_create", request=orders_in.OrderCreateIn,
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                                required=True, description=(
                                                    "1 to 100 characters; the same key and "
                                                    "body answer the first order again"))],
                   responses={201: PublicOrderOut, 200: PublicOrderOut, 409: PublicErrorOut,
                              **ERRORS},
                   summary="Create an order sold elsewhere (already paid); Vitrine delivers it")
    def post(self, request: Request) -> Response:
        serializer = orders_in.OrderCreateIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        order, created = orders_in.order_create(
            key=request.auth, idempotency_key=request.headers.get("Idempotency-Key", ""),
            data=serializer.validated_data)
        order = _orders(self.tenant_id).get(pk=order.pk)
        return Response(_order(order), status=201 if created else 200)


class _OrderMixin(PublicAPIView):
    def _get(self, code: str) -> Order:
        order = _orders(self.tenant_id).filter(code=code.upper()[:12]).first()
        if order is None:
            raise exceptions.NotFound("no such order")
        return order


class OrderView(_OrderMixin):
    scope_needed = "orders:read"

    @extend_schema(operation_id="public_order", responses={200: PublicOrderOut, **ERRORS})
    def get(self, request: Request, code: str) -> Response:
        return Response(_order(self._get(code)))


class OrderDeliveriesView(_OrderMixin):
    scope_needed = "deliveries:read"

    @extend_schema(operation_id="public_order_deliveries",
                   responses={200: PublicDeliveryListOut, **ERRORS})
    def get(self, request: Request, code: str) -> Response:
        order = self._get(code)
        rows = Delivery.objects.for_tenant(self.tenant_id).filter(order=order).order_by("id")
        return Response({"results": [{"id": d.pk, "kind": d.kind, "state": d.state,
                                      "attempts": d.attempts, "done_at": d.done_at}
                                     for d in rows]})


class CustomersView(PublicAPIView):
    scope_needed = "customers:read"

    @extend_schema(operation_id="public_customers", parameters=PAGE,
                   responses={200: PublicCustomerListOut, **ERRORS})
    def get(self, request: Request) -> Response:
        qs = Customer.objects.for_tenant(self.tenant_id).order_by("id")
        return Response({"results": [
            {"discord_user_id": c.discord_user_id, "display_name": c.display_name,
             "lifetime_spend_cents": c.lifetime_spend_cents,
             "first_purchase_at": c.first_purchase_at} for c in self.page(qs)]})
