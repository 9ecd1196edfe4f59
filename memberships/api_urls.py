"""Bot API routes of memberships, mounted under /api/bot/v1/ next to sales.api_urls."""

from __future__ import annotations

from django.urls import path

from memberships import api

app_name = "memberships_api"

_C = "customers/<str:discord_user_id>/"

urlpatterns: list = [
    path("memberships/tiers/", api.TiersView.as_view(), name="tiers"),
    path(_C + "membership/", api.MembershipView.as_view(), name="membership"),
    path(_C + "membership/cancel/", api.CancelView.as_view(), name="cancel"),
    path(_C + "membership/switch/", api.SwitchView.as_view(), name="switch"),
    path(_C + "membership/pay/", api.PayView.as_view(), name="pay"),
    path(_C + "kofi-link/", api.KofiLinkView.as_view(), name="kofi_link"),
]
