"""Portal routes for trust (reviews, blocklist, risk rules); included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_trust as v

_T = "app/t/<slug:slug>/"

urlpatterns: list = [
    path(_T + "trust/reviews/", v.reviews, name="trust_reviews"),
    path(_T + "trust/reviews/settings/", v.review_settings, name="trust_review_settings"),
    path(_T + "trust/reviews/<int:pk>/reply/", v.review_reply, name="trust_review_reply"),
    path(_T + "trust/reviews/<int:pk>/hide/", v.review_hide, name="trust_review_hide"),
    path(_T + "trust/blocks/", v.blocks, name="trust_blocks"),
    path(_T + "trust/blocks/<int:pk>/remove/", v.block_remove, name="trust_block_remove"),
    path(_T + "trust/rules/", v.rules, name="trust_rules"),
    path(_T + "orders/<str:code>/release/", v.order_release, name="order_release"),
]
