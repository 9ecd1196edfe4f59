"""Plano routes (issue 9). Included into portal/urls.py by the lead: names stay in "portal"."""

from __future__ import annotations

from django.urls import path

from portal import views_billing

urlpatterns = [
    path("app/t/<slug:slug>/plan/", views_billing.plan, name="plan"),
    path("app/t/<slug:slug>/plan/<int:pk>/checkout/", views_billing.plan_checkout,
         name="plan_checkout"),
    path("app/t/<slug:slug>/plan/<int:pk>/downgrade/", views_billing.plan_downgrade,
         name="plan_downgrade"),
    path("app/t/<slug:slug>/plan/<int:pk>/cancel/", views_billing.plan_cancel,
         name="plan_cancel"),
    path("app/t/<slug:slug>/plan/receipts/<int:pk>/", views_billing.plan_receipt,
         name="plan_receipt"),
]
