"""Portal routes for sales; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views

urlpatterns: list = [
    path("app/t/<slug:slug>/orders/", views.section, {"page": "orders"}, name="orders"),
]
