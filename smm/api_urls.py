"""Bot API routes of the SMM app, under /api/bot/v1/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path

from smm import api

app_name = "smm_api"

_C = "customers/<str:discord_user_id>/"

urlpatterns: list = [
    path(_C + "services/", api.ServicesView.as_view(), name="services"),
    path(_C + "services/<int:service_id>/refill/", api.RefillView.as_view(), name="refill"),
]
