"""Portal routes of the developers page; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_developer as v

_T = "app/t/<slug:slug>/developers/"

urlpatterns: list = [
    path(_T, v.developers, name="developers"),
    path(_T + "keys/<int:pk>/revoke/", v.api_key_revoke, name="api_key_revoke"),
    path(_T + "webhooks/<int:pk>/rotate/", v.webhook_rotate, name="webhook_rotate"),
    path(_T + "webhooks/<int:pk>/delete/", v.webhook_delete, name="webhook_delete"),
    path(_T + "deliveries/<int:pk>/resend/", v.webhook_resend, name="webhook_resend"),
]
