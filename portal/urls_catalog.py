"""Portal routes for catalog; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views

urlpatterns: list = [
    path("app/t/<slug:slug>/shop/", views.section, {"page": "shop"}, name="shop"),
]
