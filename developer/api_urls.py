"""Public shop API routes (/api/v1/, config/urls.py)."""

from __future__ import annotations

from django.urls import path

from developer import api

app_name = "public_api"

urlpatterns: list = [
    path("products/", api.ProductsView.as_view(), name="products"),
    path("products/<int:product_id>/", api.ProductView.as_view(), name="product"),
    path("stock/", api.StockView.as_view(), name="stock"),
    path("orders/", api.OrdersView.as_view(), name="orders"),
    path("orders/<str:code>/", api.OrderView.as_view(), name="order"),
    path("orders/<str:code>/deliveries/", api.OrderDeliveriesView.as_view(),
         name="order_deliveries"),
    path("customers/", api.CustomersView.as_view(), name="customers"),
]
