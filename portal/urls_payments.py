"""Portal routes for payment actions; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_connect, views_payments

urlpatterns: list = [
    path("app/t/<slug:slug>/settings/payments/", views_connect.payment_settings,
         name="payment_settings"),
    path("app/t/<slug:slug>/settings/payments/mercadopago/connect/", views_connect.mp_connect,
         name="mp_connect"),
    path("app/t/<slug:slug>/settings/payments/mercadopago/disconnect/",
         views_connect.mp_disconnect, name="mp_disconnect"),
    # One fixed URL: it is the redirect_uri registered with Mercado Pago's application.
    path("app/payments/mercadopago/callback/", views_connect.mp_connect_callback,
         name="mp_connect_callback"),
    path("app/t/<slug:slug>/payments/<uuid:public_id>/", views_payments.payment_detail,
         name="payment_detail"),
    path("app/t/<slug:slug>/payments/<uuid:public_id>/confirm/", views_payments.payment_confirm,
         name="payment_confirm"),
    path("app/t/<slug:slug>/payments/<uuid:public_id>/refund/", views_payments.payment_refund,
         name="payment_refund"),
]
