"""Bot API routes for affiliates, under /api/bot/v1/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path

from affiliates import api

app_name = "affiliates_api"

_C = "customers/<str:discord_user_id>/"

urlpatterns: list = [
    path(_C + "affiliate/", api.AffiliateView.as_view(), name="affiliate"),
    path(_C + "referral/", api.ReferralView.as_view(), name="referral"),
    path(_C + "affiliate/withdrawals/", api.WithdrawView.as_view(), name="withdraw"),
    path(_C + "affiliate/to-credit/", api.ToCreditView.as_view(), name="to_credit"),
]
