"""Portal routes for store credit and affiliates; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_affiliate_links, views_affiliates, views_credit

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
    # Affiliates' short links: public, outside /app/ (affiliates/links.py).
    path("a/callback/", views_affiliate_links.affiliate_link_callback,
         name="affiliate_link_callback"),
    path("a/<slug:slug>/<str:code>/", views_affiliate_links.affiliate_link,
         name="affiliate_link_shop"),
    path("a/<slug:slug>/<str:code>/<int:post_id>/", views_affiliate_links.affiliate_link,
         name="affiliate_link"),
    path("app/t/<slug:slug>/orders/<str:code>/refund-credit/",
         views_credit.order_refund_to_credit, name="order_refund_to_credit"),
]
