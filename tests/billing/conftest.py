"""Billing fixtures: the seeded plan ladder (re-seeded after transactional flushes), the
Mercado Pago sandbox, and a recorder standing in for runtime.services when it does not exist."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps

from sandbox.mercadopago.testing import MercadoPagoSandbox
from tenants.models import PlanVersion

SEED = importlib.import_module("tenants.migrations.0003_seed_plans")


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    # These tests assert on English messages; pt-BR stays the product's default elsewhere.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def plans(request) -> dict[str, PlanVersion]:
    """Current version per plan slug. Autouse so `shop` gets its trial."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        request.getfixturevalue("db")
    SEED.seed(apps, None)
    return {v.plan.slug: v for v in PlanVersion.objects.select_related("plan")
            .filter(active=True).order_by("plan__sort", "-version")}


@pytest.fixture
def mp(settings) -> Iterator[MercadoPagoSandbox]:
    with MercadoPagoSandbox() as sandbox:
        settings.MERCADOPAGO_API_BASE_URL = sandbox.url
        settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-x"
        settings.PUBLIC_URL = "http://127.0.0.1:9"  # webhooks go nowhere; tests apply directly
        yield sandbox


@pytest.fixture
def runtime_syncs(monkeypatch) -> list[int]:
    """Tenants billing asked the runtime to reconcile (runtime_reconcile_soon), recorded and
    passed on to the real service."""
    calls: list[int] = []
    module = importlib.import_module("billing.services")
    original = module.runtime_reconcile_soon

    def recording(*, tenant):
        calls.append(tenant.pk)
        return original(tenant=tenant)

    monkeypatch.setattr(module, "runtime_reconcile_soon", recording)
    return calls

