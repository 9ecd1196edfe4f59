"""Portal routes for store credit and affiliates; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_affiliates, views_credit

urlpatterns: list = [
    path("app/t/<slug:slug>/credit/", views_credit.credit, name="credit"),
    path("app/t/<slug:slug>/credit/settings/", views_credit.credit_settings,
         name="credit_settings"),
    path("app/t/<slug:slug>/credit/giftcards/", views_credit.giftcards_create,
         name="giftcards_create"),
    path("app/t/<slug:slug>/affiliates/", views_affiliates.affiliates, name="affiliates"),
    path("app/t/<slug:slug>/affiliates/settings/", views_affiliates.affiliates_settings,
         name="affiliates_settings"),
    path("app/t/<slug:slug>/affiliates/products/<int:product_id>/commission/",
         views_affiliates.affiliates_product_percent, name="affiliates_product_percent"),
    path("app/t/<slug:slug>/orders/<str:code>/refund-credit/",
         views_credit.order_refund_to_credit, name="order_refund_to_credit"),
]
