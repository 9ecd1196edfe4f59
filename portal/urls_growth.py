"""Portal routes for growth; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_growth as v

_T = "app/t/<slug:slug>/"

urlpatterns: list = [
    path(_T + "growth/", v.growth_analytics, name="growth_analytics"),
    path(_T + "growth/settings/", v.growth_settings, name="growth_settings"),
]
