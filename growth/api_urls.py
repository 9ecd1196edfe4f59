"""Growth's Bot API routes, included under /api/bot/v1/ next to sales.api_urls."""

from __future__ import annotations

from django.urls import path

from growth import api

app_name = "growth_api"

urlpatterns: list = [
    path("storefront/views/", api.StorefrontViewsView.as_view(), name="storefront_views"),
    path("customers/<str:discord_user_id>/notifications/", api.NotificationsView.as_view(),
         name="notifications"),
    path("members/welcome/", api.MemberWelcomeView.as_view(), name="member_welcome"),
]
