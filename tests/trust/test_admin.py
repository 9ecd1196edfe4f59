"""Operators keep the platform-wide blocklist in the admin, through trust's services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from trust.models import Block

pytestmark = pytest.mark.django_db


def test_operator_adds_and_removes_a_platform_block(operator, client_for, shop):
    client = client_for(operator)
    response = client.post(reverse("admin:trust_block_add"), {
        "tenant": "", "discord_user_id": "31337", "payer_email": "", "reason": "golpista",
        "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 302, response.content[:2000]
    block = Block.platform.get()
    assert (block.discord_user_id, block.source, block.tenant_id) == ("31337", "platform", None)
    assert not Block.objects.for_tenant(shop.tenant).exists()
    add = AuditEvent.objects.get(action="trust.block_add")
    assert add.actor == operator and add.tenant is None
    assert client.get(reverse("admin:trust_block_changelist") + "?scope=platform") \
        .status_code == 200
    client.post(reverse("admin:trust_block_delete", args=[block.pk]), {"post": "yes"})
    assert not Block.platform.exists()
    assert AuditEvent.objects.filter(action="trust.block_remove", actor=operator).exists()


def test_reviews_are_read_only_in_the_admin(operator, client_for):
    client = client_for(operator)
    assert client.get(reverse("admin:trust_review_changelist")).status_code == 200
    assert client.get(reverse("admin:trust_review_add")).status_code == 403
