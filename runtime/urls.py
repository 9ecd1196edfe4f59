"""Runtime API routes; config/urls.py includes them at the site root."""

from __future__ import annotations

from django.urls import path

from runtime import api

app_name = "runtime"

urlpatterns = [
    path("api/runtime/v1/heartbeat", api.heartbeat, name="heartbeat"),
]
