from __future__ import annotations

from django.urls import path

from payments import views, views_stripe

app_name = "payments"

urlpatterns = [
    path("pay/<uuid:public_id>/", views.page, name="page"),
    path("pay/<uuid:public_id>/result/", views.result, name="result"),
    path("pay/<uuid:public_id>/status/", views.status, name="status"),
    path("pay/<uuid:public_id>/qr.png", views.qr, name="qr"),
    path("pay/<uuid:public_id>/simulate/", views.simulate, name="simulate"),
    path("webhooks/mercadopago", views.webhook_mercadopago, name="webhook_mercadopago"),
    path("webhooks/mercadopago/seller", views.webhook_mercadopago_seller,
         name="webhook_mercadopago_seller"),
    path("webhooks/stripe", views_stripe.webhook_stripe, name="webhook_stripe"),
]
