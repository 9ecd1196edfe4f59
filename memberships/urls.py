from __future__ import annotations

from django.urls import path

from memberships import views

app_name = "memberships"

urlpatterns = [
    path("webhooks/kofi/<str:hook_id>", views.kofi_webhook, name="kofi_webhook"),
]
