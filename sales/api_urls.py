"""Bot API routes (/api/bot/v1/), filled by the commerce issue."""

from __future__ import annotations

app_name = "bot_api"

urlpatterns: list = []
