"""Bot API routes for store credit, under /api/bot/v1/ next to sales' (config/urls.py)."""

from __future__ import annotations

from django.urls import path

from credit import api

app_name = "credit_api"

_C = "customers/<str:discord_user_id>/credit/"

urlpatterns: list = [
    path(_C, api.CreditView.as_view(), name="credit"),
    path(_C + "topups/", api.TopUpView.as_view(), name="topup"),
    path(_C + "redeem/", api.RedeemView.as_view(), name="redeem"),
]
