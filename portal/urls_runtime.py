"""Portal routes for the bot instance page; included by portal/urls.py (namespace "portal")."""

from __future__ import annotations

from django.urls import path

from portal import views_runtime

urlpatterns: list = [
    path("app/t/<slug:slug>/bot/", views_runtime.bot_instance, name="bot"),
    path("app/t/<slug:slug>/bot/action/", views_runtime.bot_action, name="bot_action"),
    path("app/t/<slug:slug>/bot/token/", views_runtime.bot_token, name="bot_token"),
    path("app/t/<slug:slug>/bot/logs/", views_runtime.bot_logs, name="bot_logs"),
]
