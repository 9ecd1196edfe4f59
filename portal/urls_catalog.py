"""Portal routes for catalog; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_catalog as v

_T = "app/t/<slug:slug>/shop/"

urlpatterns: list = [
    path(_T, v.product_list, name="shop"),
    path(_T + "products/new/", v.product_create, name="product_create"),
    path(_T + "products/<int:pk>/", v.product_edit, name="product_edit"),
    path(_T + "products/<int:pk>/active/", v.product_toggle, name="product_toggle"),
    path(_T + "products/<int:pk>/move/", v.product_move, name="product_move"),
    path(_T + "products/<int:pk>/variants/new/", v.variant_create, name="variant_create"),
    path(_T + "variants/<int:pk>/", v.variant_edit, name="variant_edit"),
    path(_T + "variants/<int:pk>/arrange/", v.variant_arrange, name="variant_arrange"),
    path(_T + "variants/<int:pk>/stock/", v.stock, name="stock"),
    path(_T + "variants/<int:pk>/stock/remove/", v.stock_remove, name="stock_remove"),
    path(_T + "variants/<int:pk>/stock/sold.csv", v.stock_export, name="stock_export"),
    path(_T + "coupons/", v.coupons, name="coupons"),
    path(_T + "coupons/<int:pk>/", v.coupon_edit, name="coupon_edit"),
    path(_T + "messages/", v.templates, name="templates"),
    path(_T + "messages/preview/", v.template_preview, name="template_preview"),
]
