"""Bot API endpoints. Thin: validate, call a service or selector, shape the answer."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Product, ProductPost
from catalog.selectors import product_postable, products_with_variants
from catalog.services import PostNotAllowed, post_record
from money import format_money
from payments.providers.mercadopago import ProviderError
from payments.services import payment_simulate_approval
from sales import selectors, services
from sales.api import payloads
from sales.api import serializers as s
from sales.api.base import BotAPIView, validated
from sales.errors import SalesError
from sales.fulfillment.members import roles_requeue_for_member
from sales.fulfillment.services import delivery_resend
from sales.models import Order
from sales.selectors import HEARTBEAT_TTL, card_payments_enabled, heartbeat_key, payment_methods
from tenants.services import KeyNotOwned, tenant_link_guild_by_key

ERRORS = {code: s.ErrorOut for code in (400, 401, 403, 404, 409, 413)}
ORDER_HISTORY = 25


class CatalogView(BotAPIView):
    @extend_schema(operation_id="catalog", responses={200: s.CatalogOut, **ERRORS},
                   summary="Active products with variants, prices, stock counts and posts")
    def get(self, request: Request) -> Response:
        products = products_with_variants(tenant=self.tenant, active_only=True)
        return Response({"currency": self.tenant.currency, "locale": self.tenant.locale,
                         "products": [payloads.product(p, self.tenant.currency)
                                      for p in products]})


class CustomerUpsertView(BotAPIView):
    @extend_schema(operation_id="customer_upsert", request=s.CustomerUpsertIn,
                   responses={200: s.CustomerOut, **ERRORS})
    def post(self, request: Request) -> Response:
        data = validated(s.CustomerUpsertIn, request)
        customer = services.customer_upsert(tenant=self.tenant, **data)
        return Response(payloads.customer(customer))


class CustomerThreadView(BotAPIView):
    @extend_schema(operation_id="customer_thread_set", request=s.CartThreadIn,
                   responses={200: s.CustomerOut, **ERRORS},
                   summary="Record the private thread the bot opened for the buyer's cart; "
                           "deliveries use it when the buyer's DMs are closed")
    def put(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.CartThreadIn, request)
        customer = services.customer_set_cart_thread(customer=customer, **data)
        return Response(payloads.customer(customer))

    @extend_schema(operation_id="customer_thread_clear", responses={200: s.CustomerOut, **ERRORS},
                   summary="Forget the buyer's cart thread (closed or deleted)")
    def delete(self, request: Request, discord_user_id: str) -> Response:
        customer = services.customer_set_cart_thread(customer=self.customer(discord_user_id),
                                                     thread_id="")
        return Response(payloads.customer(customer))


class MemberJoinedView(BotAPIView):
    @extend_schema(operation_id="member_joined", request=s.MemberJoinedIn,
                   responses={200: s.MemberJoinedOut, **ERRORS},
                   summary="A member joined the server (on_member_join): roles that failed "
                           "because they were not in it are granted again")
    def post(self, request: Request) -> Response:
        data = validated(s.MemberJoinedIn, request)
        count = roles_requeue_for_member(tenant=self.tenant,
                                         discord_user_id=data["discord_user_id"])
        return Response({"requeued": count})


class _CartMixin(BotAPIView):
    def _cart(self, discord_user_id: str) -> Response:
        view = services.cart_view(customer=self.customer(discord_user_id))
        return Response({**payloads.cart(view, self.tenant.currency),
                         # The bot offers one checkout button per method (issue 23 item 4).
                         "payment_methods": payment_methods(tenant=self.tenant)})


class CartView(_CartMixin):
    @extend_schema(operation_id="cart_get", responses={200: s.CartOut, **ERRORS})
    def get(self, request: Request, discord_user_id: str) -> Response:
        return self._cart(discord_user_id)

    @extend_schema(operation_id="cart_clear", responses={200: s.CartOut, **ERRORS})
    def delete(self, request: Request, discord_user_id: str) -> Response:
        services.cart_clear(customer=self.customer(discord_user_id))
        return self._cart(discord_user_id)


class CartItemsView(_CartMixin):
    @extend_schema(operation_id="cart_add", request=s.CartAddIn,
                   responses={200: s.CartOut, **ERRORS})
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.CartAddIn, request)
        services.cart_add(customer=customer, **data)
        return self._cart(discord_user_id)


class CartItemView(_CartMixin):
    @extend_schema(operation_id="cart_set_quantity", request=s.CartQuantityIn,
                   responses={200: s.CartOut, **ERRORS})
    def put(self, request: Request, discord_user_id: str, variant_id: int) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.CartQuantityIn, request)
        services.cart_set_quantity(customer=customer, variant_id=variant_id, **data)
        return self._cart(discord_user_id)

    @extend_schema(operation_id="cart_remove", responses={200: s.CartOut, **ERRORS})
    def delete(self, request: Request, discord_user_id: str, variant_id: int) -> Response:
        services.cart_remove(customer=self.customer(discord_user_id), variant_id=variant_id)
        return self._cart(discord_user_id)


class CartCouponView(_CartMixin):
    @extend_schema(operation_id="cart_apply_coupon", request=s.CouponIn,
                   responses={200: s.CartOut, **ERRORS})
    def put(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        services.cart_apply_coupon(customer=customer, **validated(s.CouponIn, request))
        return self._cart(discord_user_id)

    @extend_schema(operation_id="cart_remove_coupon", responses={200: s.CartOut, **ERRORS})
    def delete(self, request: Request, discord_user_id: str) -> Response:
        services.cart_remove_coupon(customer=self.customer(discord_user_id))
        return self._cart(discord_user_id)


class CheckoutView(BotAPIView):
    @extend_schema(operation_id="checkout", request=s.CheckoutIn,
                   responses={201: s.CheckoutOut, 503: s.ErrorOut, **ERRORS},
                   summary="Order the cart: prices on the server, stock reserved, payment "
                           "requested (503 payment_unavailable keeps the order; retry with "
                           "orders/{code}/payment/)")
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.CheckoutIn, request)
        result = services.checkout(customer=customer, **data)
        body = {"order": payloads.order(result.order, result.payment),
                "payment": result.payment.instructions().__dict__ if result.payment else None}
        return Response(body, status=status.HTTP_201_CREATED)


class CustomerOrdersView(BotAPIView):
    @extend_schema(operation_id="customer_orders", responses={200: s.OrderListOut, **ERRORS})
    def get(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        orders = list(Order.objects.for_tenant(self.tenant).filter(customer=customer)
                      .prefetch_related("lines")[:ORDER_HISTORY])
        refundable = selectors.refundable_order_ids(tenant=self.tenant,
                                                    order_ids=[o.pk for o in orders])
        return Response({"orders": [payloads.order(o, can_refund=o.pk in refundable)
                                    for o in orders]})


class _OrderMixin(BotAPIView):
    def _order(self, code: str) -> Order:
        order = (Order.objects.for_tenant(self.tenant).select_related("tenant", "customer")
                 .filter(code=code.upper()).first())
        if order is None:
            raise SalesError("order_not_found")
        return order


class OrderView(_OrderMixin):
    @extend_schema(operation_id="order_status", responses={200: s.OrderOut, **ERRORS})
    def get(self, request: Request, code: str) -> Response:
        order = self._order(code)
        return Response(payloads.order(order, services.order_payment(order=order)))


class OrderPaymentView(_OrderMixin):
    @extend_schema(operation_id="order_pay", request=None,
                   responses={201: s.PaymentOut, 503: s.ErrorOut, **ERRORS},
                   summary="Request (or get back) the payment of a pending order")
    def post(self, request: Request, code: str) -> Response:
        payment = services.order_request_payment(order=self._order(code))
        return Response(payment.instructions().__dict__, status=status.HTTP_201_CREATED)


class OrderPaymentSimulateView(_OrderMixin):
    @extend_schema(operation_id="order_pay_simulate", request=None,
                   responses={202: s.PaymentOut, 503: s.ErrorOut, **ERRORS},
                   summary="Demo only (MERCADOPAGO_SANDBOX): the sandbox approves the order's "
                           "open payment; not_found on a real account")
    def post(self, request: Request, code: str) -> Response:
        payment = services.order_payment(order=self._order(code))
        if payment is None or not payment.can_simulate:
            raise SalesError("not_found")
        try:
            payment_simulate_approval(payment=payment)
        except ProviderError as exc:
            raise SalesError("payment_unavailable", extra={"order": code.upper(),
                                                           "retryable": True}) from exc
        return Response(payment.instructions().__dict__, status=status.HTTP_202_ACCEPTED)


def _delivery_answer(order: Order, count: int) -> Response:
    if count:
        message = ngettext("%(n)s delivery of order %(code)s is on its way again.",
                           "%(n)s deliveries of order %(code)s are on their way again.",
                           count) % {"n": count, "code": order.code}
    else:
        message = gettext("Order %(code)s has nothing to deliver again right now.") % {
            "code": order.code}
    return Response({"order": order.code, "count": count, "message": message})


class OrderResendView(_OrderMixin):
    @extend_schema(operation_id="order_resend", request=s.ResendIn,
                   responses={200: s.DeliveryActionOut, **ERRORS},
                   summary="The buyer asks for their delivered items again, by DM (no new keys "
                           "are sold); another buyer's order answers order_not_found")
    def post(self, request: Request, code: str) -> Response:
        data = validated(s.ResendIn, request)
        order = self._order(code)
        if order.customer.discord_user_id != data["discord_user_id"]:
            raise SalesError("order_not_found")
        return _delivery_answer(order, delivery_resend(order=order, actor="bot buyer"))


class OrderDeliverView(_OrderMixin):
    staff_methods = frozenset({"POST"})

    @extend_schema(operation_id="order_deliver", request=s.StaffIn,
                   responses={200: s.DeliveryActionOut, **ERRORS},
                   summary="Staff (/entregar): send an order's deliveries again and retry the "
                           "failed ones")
    def post(self, request: Request, code: str) -> Response:
        data = validated(s.StaffIn, request)
        order = self._order(code)
        actor = f"bot staff:{data['user_id']}"
        return _delivery_answer(order, delivery_resend(order=order, actor=actor))


class OrderRefundView(_OrderMixin):
    staff_methods = frozenset({"POST"})

    @extend_schema(operation_id="order_refund", request=s.RefundIn,
                   responses={200: s.RefundOut, 503: s.ErrorOut, **ERRORS},
                   summary="Staff (/reembolsar): refund the order's approved payment in full "
                           "(not_refundable 409; provider_unavailable 503 when Mercado Pago is "
                           "down: nothing was refunded, try again later)")
    def post(self, request: Request, code: str) -> Response:
        data = validated(s.RefundIn, request)
        order = self._order(code)
        refund = services.order_refund(
            order=order, by=services.RefundActor.discord_staff(data["user_id"]),
            reason=data["reason"])
        return Response({"order": order.code, "refunded_cents": refund.amount_cents,
                         "refunded_display": format_money(refund.amount_cents, order.currency),
                         "message": gettext("Order %(code)s was refunded.") % {
                             "code": order.code}})


class SettingsView(BotAPIView):
    @extend_schema(operation_id="settings", responses={200: s.SettingsOut, **ERRORS},
                   summary="What the bot needs to know about its shop (staff role, card, locale)")
    def get(self, request: Request) -> Response:
        tenant = self.tenant
        return Response({"guild_id": tenant.discord_guild_id,
                         "staff_role_id": tenant.staff_role_id,
                         "card_enabled": card_payments_enabled(tenant=tenant),
                         "locale": tenant.locale,
                         "payment_methods": payment_methods(tenant=tenant)})


POSTS_PAGE = 50


class PostsView(BotAPIView):
    @extend_schema(operation_id="posts", responses={200: s.PostListOut, **ERRORS},
                   summary="The shop's product posts (`?needs_refresh=1`: only those whose "
                           "product changed), each with the product's fresh payload (null when "
                           "the product is no longer for sale); record the edit with "
                           "PUT products/{id}/posts/")
    def get(self, request: Request) -> Response:
        posts = ProductPost.objects.for_tenant(self.tenant).exclude(message_id="")
        if request.query_params.get("needs_refresh") in ("1", "true"):
            posts = posts.filter(needs_refresh=True)
        posts = list(posts.order_by("pk")[:POSTS_PAGE])
        products = {p.pk: p for p in products_with_variants(tenant=self.tenant, active_only=True)
                    .filter(pk__in={post.product_id for post in posts})}
        return Response({"posts": [{
            "id": post.pk, "product_id": post.product_id, "channel_id": post.channel_id,
            "message_id": post.message_id, "needs_refresh": post.needs_refresh,
            "product": payloads.product(products[post.product_id], self.tenant.currency)
            if post.product_id in products else None,
        } for post in posts]})


class ProductPostView(BotAPIView):
    staff_methods = frozenset({"POST"})  # PUT is the bot's bookkeeping (refresh loop too)

    def _product(self, product_id: int, *, active_only: bool = False) -> Product:
        product = (products_with_variants(tenant=self.tenant, active_only=active_only)
                   .select_related("tenant").filter(pk=product_id).first())
        if product is None:
            raise SalesError("not_found")
        return product

    @extend_schema(operation_id="post_allow", request=s.StaffIn,
                   responses={200: s.ProductOut, **ERRORS},
                   summary="Staff (/postar, /repostar): may this product be posted now? The "
                           "product to post, or forbidden (403, not staff) / post_not_allowed "
                           "(409: not for sale, or past the plan's active products)")
    def post(self, request: Request, product_id: int) -> Response:
        product = self._product(product_id)
        if not product_postable(product=product):
            raise SalesError("post_not_allowed", item=product.name)
        return Response(payloads.product(self._product(product_id, active_only=True),
                                         self.tenant.currency))

    @extend_schema(operation_id="post_record", request=s.PostIn,
                   responses={200: s.PostOut, **ERRORS},
                   summary="Record where the bot posted a product (post, repost or refresh); "
                           "a new message of a product that may not be posted answers "
                           "post_not_allowed (409)")
    def put(self, request: Request, product_id: int) -> Response:
        product = (Product.objects.for_tenant(self.tenant).select_related("tenant")
                   .filter(pk=product_id).first())
        if product is None:
            raise SalesError("not_found")
        try:
            post = post_record(product=product, **validated(s.PostIn, request))
        except PostNotAllowed:
            raise SalesError("post_not_allowed", item=product.name) from None
        return Response({"channel_id": post.channel_id, "message_id": post.message_id,
                         "needs_refresh": post.needs_refresh})


class LinkView(BotAPIView):
    @extend_schema(operation_id="link_guild", request=s.LinkIn,
                   responses={200: s.LinkOut, **ERRORS},
                   summary="Link the shop to a Discord server (/vincular); the key typed by "
                           "staff must be an active instance key of this same shop")
    def post(self, request: Request) -> Response:
        data = validated(s.LinkIn, request)
        try:
            tenant = tenant_link_guild_by_key(tenant=self.tenant, key=data["key"],
                                              guild_id=data["guild_id"],
                                              staff_role_id=data.get("staff_role_id"))
        except KeyNotOwned:
            raise SalesError("unauthorized") from None
        return Response({"guild_id": tenant.discord_guild_id,
                         "staff_role_id": tenant.staff_role_id, "shop": tenant.name})


class HeartbeatView(BotAPIView):
    @extend_schema(operation_id="heartbeat", request=s.HeartbeatIn,
                   responses={200: s.HeartbeatOut, **ERRORS})
    def post(self, request: Request) -> Response:
        data = validated(s.HeartbeatIn, request)
        now = timezone.now()
        cache.set(heartbeat_key(self.tenant.pk), {**data, "at": now.isoformat()},
                  HEARTBEAT_TTL)
        return Response({"ok": True, "server_time": now})
