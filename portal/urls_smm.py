"""Portal routes for custom fields and SMM panel delivery; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_smm as v

_T = "app/t/<slug:slug>/shop/"

urlpatterns: list = [
    path(_T + "products/<int:pk>/fields/", v.fields, name="product_fields"),
    path(_T + "fields/<int:pk>/delete/", v.field_delete, name="product_field_delete"),
    path(_T + "smm/", v.panel, name="smm_panel"),
    path(_T + "variants/<int:pk>/smm/", v.service, name="smm_service"),
]
