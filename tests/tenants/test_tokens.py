from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from tenants.models import InstanceToken
from tenants.services import (
    instance_token_authenticate,
    instance_token_create,
    instance_token_revoke,
    instance_token_rotate,
)


def test_token_is_prefixed_and_stored_hashed(shop):
    token, plaintext = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    assert plaintext.startswith(f"vtr_{token.lookup}_")
    secret = plaintext.split("_", 2)[2]
    stored = InstanceToken.objects.for_tenant(shop.tenant).get(pk=token.pk)
    assert secret not in (stored.secret_hash, stored.lookup)
    assert stored.secret_hash == InstanceToken.hash_secret(secret)
    assert AuditEvent.objects.filter(action="instance_token.create", tenant=shop.tenant).exists()


def test_authenticate_accepts_the_token_and_nothing_else(shop):
    token, plaintext = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    assert instance_token_authenticate(raw=plaintext).pk == token.pk
    forged = plaintext[:-2] + ("AA" if not plaintext.endswith("AA") else "BB")
    for raw in [forged, "", "vtr_", "vtr_x_y", "nope_" + plaintext[4:], plaintext + "x",
                "x" * 5000, plaintext.replace("vtr_", "VTR_")]:
        assert instance_token_authenticate(raw=raw) is None, raw


def test_revoked_token_no_longer_authenticates(shop):
    token, plaintext = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    instance_token_revoke(token=token, actor=shop.owner)
    assert instance_token_authenticate(raw=plaintext) is None


def test_rotate_revokes_every_active_token_and_issues_one(shop):
    _, first = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    _, second = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    new, plaintext = instance_token_rotate(tenant=shop.tenant, actor=shop.owner)
    assert instance_token_authenticate(raw=first) is None
    assert instance_token_authenticate(raw=second) is None
    assert instance_token_authenticate(raw=plaintext).pk == new.pk
    active = InstanceToken.objects.for_tenant(shop.tenant).filter(revoked_at__isnull=True)
    assert list(active) == [new]


def test_last_used_is_touched_at_most_once_a_minute(shop):
    token, plaintext = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        instance_token_authenticate(raw=plaintext)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        instance_token_authenticate(raw=plaintext)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        instance_token_authenticate(raw=plaintext)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(minutes=2)


def test_tokens_of_one_tenant_do_not_open_another(shop, other_shop):
    _, plaintext = instance_token_create(tenant=other_shop.tenant, actor=other_shop.owner)
    assert instance_token_authenticate(raw=plaintext).tenant == other_shop.tenant
