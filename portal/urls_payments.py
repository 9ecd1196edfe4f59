"""Portal routes for payment actions; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_payments

urlpatterns: list = [
    path("app/t/<slug:slug>/payments/<uuid:public_id>/", views_payments.payment_detail,
         name="payment_detail"),
    path("app/t/<slug:slug>/payments/<uuid:public_id>/confirm/", views_payments.payment_confirm,
         name="payment_confirm"),
    path("app/t/<slug:slug>/payments/<uuid:public_id>/refund/", views_payments.payment_refund,
         name="payment_refund"),
]
