"""Bot API routes (/api/bot/v1/); every view inherits sales.api.base.BotAPIView."""

from __future__ import annotations

from django.urls import path

from sales.api import views

app_name = "bot_api"

_C = "customers/<str:discord_user_id>/"

urlpatterns: list = [
    path("catalog/", views.CatalogView.as_view(), name="catalog"),
    path("customers/", views.CustomerUpsertView.as_view(), name="customer_upsert"),
    path(_C + "thread/", views.CustomerThreadView.as_view(), name="customer_thread"),
    path("members/joined/", views.MemberJoinedView.as_view(), name="member_joined"),
    path(_C + "cart/", views.CartView.as_view(), name="cart"),
    path(_C + "cart/items/", views.CartItemsView.as_view(), name="cart_items"),
    path(_C + "cart/items/<int:variant_id>/", views.CartItemView.as_view(), name="cart_item"),
    path(_C + "cart/coupon/", views.CartCouponView.as_view(), name="cart_coupon"),
    path(_C + "checkout/", views.CheckoutView.as_view(), name="checkout"),
    path(_C + "orders/", views.CustomerOrdersView.as_view(), name="customer_orders"),
    path("orders/<str:code>/", views.OrderView.as_view(), name="order"),
    path("orders/<str:code>/payment/", views.OrderPaymentView.as_view(), name="order_payment"),
    path("orders/<str:code>/payment/simulate/", views.OrderPaymentSimulateView.as_view(),
         name="order_payment_simulate"),
    path("orders/<str:code>/resend/", views.OrderResendView.as_view(), name="order_resend"),
    path("orders/<str:code>/deliver/", views.OrderDeliverView.as_view(), name="order_deliver"),
    path("orders/<str:code>/refund/", views.OrderRefundView.as_view(), name="order_refund"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("posts/", views.PostsView.as_view(), name="posts"),
    path("products/<int:product_id>/posts/", views.ProductPostView.as_view(), name="post"),
    path("link/", views.LinkView.as_view(), name="link"),
    path("heartbeat/", views.HeartbeatView.as_view(), name="heartbeat"),
]
