from __future__ import annotations

app_name = "memberships_api"
urlpatterns: list = []
