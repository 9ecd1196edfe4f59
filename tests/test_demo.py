from __future__ import annotations

from django.core.management import call_command

from tenants.models import InstanceToken, Membership, Tenant, User


def test_load_demo_is_idempotent(db):
    call_command("load_demo")
    call_command("load_demo")
    assert Tenant.objects.filter(slug="loja-demo").count() == 1
    tenant = Tenant.objects.get(slug="loja-demo")
    assert Membership.objects.for_tenant(tenant).count() == 1
    assert InstanceToken.objects.for_tenant(tenant).count() == 1
    operator = User.objects.get(email="admin@vitrine.local")
    assert operator.is_staff and operator.is_superuser
    assert operator.check_password("vitrine-demo")
