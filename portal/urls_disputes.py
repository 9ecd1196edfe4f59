"""Portal routes for disputes; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_disputes

urlpatterns: list = [
    path("app/t/<slug:slug>/disputes/", views_disputes.dispute_list, name="disputes"),
    path("app/t/<slug:slug>/disputes/<int:pk>/", views_disputes.dispute_detail,
         name="dispute_detail"),
    path("app/t/<slug:slug>/disputes/<int:pk>/evidence.zip", views_disputes.dispute_evidence,
         name="dispute_evidence"),
    path("app/t/<slug:slug>/disputes/<int:pk>/outcome/", views_disputes.dispute_outcome,
         name="dispute_outcome"),
    path("app/t/<slug:slug>/disputes/<int:pk>/unblock/", views_disputes.dispute_unblock,
         name="dispute_unblock"),
]
