"""Every admin page opens: each registered model's changelist, add form and change form (on a
platform holding a row of every kind), for an operator with every permission."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.sales.factories import mp  # noqa: F401
from tests.world import build

pytestmark = pytest.mark.django_db


def test_every_changelist_add_and_change_form_opens(client_for, mp):  # noqa: F811
    world = build(mp)
    _connected_account(world.tenant)
    client = client_for(world.operator)
    opened, missing_rows = [], []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, info
        add = client.get(reverse("admin:{}_{}_add".format(*info)))
        request = changelist.wsgi_request
        expected = 200 if model_admin.has_add_permission(request) else 403
        assert add.status_code == expected, (info, add.status_code)
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is None:
            missing_rows.append(".".join(info))
            continue
        change = client.get(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        assert change.status_code == 200, info
        opened.append(".".join(info))
    # The world holds a row of (nearly) every kind, so the change forms are really visited.
    assert set(missing_rows) <= ALLOWED_EMPTY, sorted(set(missing_rows) - ALLOWED_EMPTY)
    assert len(opened) >= 20


def _connected_account(tenant) -> None:
    """A shop's own Mercado Pago account (payments.connect), so its change form opens too."""
    from datetime import timedelta

    from django.utils import timezone

    from payments.models import MercadoPagoConnection
    from tenants import crypto

    MercadoPagoConnection.objects.create(
        tenant=tenant, mp_user_id="2001001001", access_token_encrypted=crypto.encrypt("APP_USR-x"),
        refresh_token_encrypted=crypto.encrypt("TG-x"), expires_at=timezone.now()
        + timedelta(days=180))


# Rows the demo world has no reason to hold (nothing went wrong in it).
ALLOWED_EMPTY = {"payments.refund", "axes.accessattempt", "axes.accessfailurelog",
                 "axes.accesslog", "auth.group", "catalog.productpost", "catalog.messagetemplate",
                 "socialaccount.socialaccount", "socialaccount.socialapp",
                 "socialaccount.socialtoken", "tenants.subscriptioncharge"}
