"""Portal routes for sales; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_sales as v

_T = "app/t/<slug:slug>/"

urlpatterns: list = [
    path(_T + "orders/", v.orders, name="orders"),
    path(_T + "orders/<str:code>/", v.order_detail, name="order_detail"),
    path(_T + "orders/<str:code>/cancel/", v.order_cancel, name="order_cancel"),
    path(_T + "customers/", v.customers, name="customers"),
    path(_T + "customers/<int:pk>/block/", v.customer_block, name="customer_block"),
]
