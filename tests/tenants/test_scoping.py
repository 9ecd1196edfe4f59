from __future__ import annotations

import pytest

from tenants.models import InstanceToken, Membership
from tenants.scoping import TenantScopeError
from tenants.services import instance_token_create


def test_unscoped_query_fails_closed(shop):
    with pytest.raises(TenantScopeError, match="without a tenant"):
        list(Membership.objects.all())
    with pytest.raises(TenantScopeError):
        Membership.objects.filter(role="owner").count()
    with pytest.raises(TenantScopeError):
        Membership.objects.filter(role="owner").exists()
    with pytest.raises(TenantScopeError):
        Membership.objects.filter(role="viewer").update(role="manager")
    with pytest.raises(TenantScopeError):
        Membership.objects.filter(role="viewer").delete()
    with pytest.raises(TenantScopeError):
        Membership.objects.get(pk=1)


def test_or_with_tenant_is_not_a_scope(shop, other_shop):
    from django.db.models import Q

    query = Membership.objects.filter(Q(tenant=shop.tenant) | Q(role="owner"))
    with pytest.raises(TenantScopeError):
        list(query)


def test_for_tenant_returns_only_that_tenant(shop, other_shop):
    mine = Membership.objects.for_tenant(shop.tenant)
    assert {m.user for m in mine} == {shop.owner, shop.manager, shop.viewer}
    assert Membership.objects.filter(tenant=other_shop.tenant).count() == 3


def test_related_manager_is_scoped_by_its_parent(shop, other_shop):
    assert shop.tenant.memberships.count() == 3
    assert {m.tenant for m in shop.owner.memberships.all()} == {shop.tenant}


def test_unscoped_says_so_by_name(shop, other_shop):
    assert Membership.objects.unscoped().count() == 6


def test_forward_foreign_key_access_works(shop):
    token, _ = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    fetched = InstanceToken.objects.for_tenant(shop.tenant).get(pk=token.pk)
    assert fetched.tenant == shop.tenant


def test_cascade_delete_of_tenant_removes_owned_rows(shop):
    # Django's deletion collector uses the plain base manager, so cascades are not blocked.
    instance_token_create(tenant=shop.tenant, actor=shop.owner)
    tenant_id = shop.tenant.pk
    shop.tenant.delete()
    assert Membership.objects.unscoped().filter(tenant_id=tenant_id).count() == 0
    assert InstanceToken.objects.unscoped().filter(tenant_id=tenant_id).count() == 0
