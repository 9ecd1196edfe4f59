"""Trust's Bot API routes, included under /api/bot/v1/ next to sales' (config/urls.py)."""

from __future__ import annotations

from django.urls import path

from trust import api

urlpatterns: list = [
    path("reviews/", api.ReviewsView.as_view(), name="trust_reviews"),
    path("ratings/", api.RatingsView.as_view(), name="trust_ratings"),
    path("orders/<str:code>/approve/", api.OrderApproveView.as_view(),
         name="trust_order_approve"),
]
