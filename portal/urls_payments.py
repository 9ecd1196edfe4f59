"""Portal routes for payment actions; included by portal/urls.py."""

from __future__ import annotations

urlpatterns: list = []
