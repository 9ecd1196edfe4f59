"""Portal routes for memberships; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_memberships as v

_T = "app/t/<slug:slug>/memberships/"

urlpatterns: list = [
    path(_T, v.memberships, name="memberships"),
    path(_T + "export.csv", v.memberships_export, name="memberships_export"),
    path(_T + "grant/", v.membership_grant, name="membership_grant"),
    path(_T + "m/<int:pk>/", v.membership_member, name="membership_member"),
    path(_T + "tiers/", v.membership_tiers, name="membership_tiers"),
    path(_T + "tiers/<int:pk>/", v.membership_tier_edit, name="membership_tier_edit"),
    path(_T + "settings/", v.membership_settings, name="membership_settings"),
]
