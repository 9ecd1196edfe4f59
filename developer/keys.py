"""API keys of the public shop API: created with scopes, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

import audit
from developer.models import SCOPES, ApiKey

SCOPE_NAMES = [name for name, _label in SCOPES]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def key_create(*, tenant: Any, actor: Any, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(tenant=tenant, name=name, prefix=prefix, key_hash=_hash(secret),
                                scopes=[s for s in SCOPE_NAMES if s in scopes])
    audit.record(actor=actor, tenant=tenant, action="api_key.create", target=key,
                 data={"name": name, "scopes": key.scopes, "prefix": prefix})
    return key, f"vk_{prefix}_{secret}"


@transaction.atomic
def key_revoke(*, key: ApiKey, actor: Any) -> None:
    ApiKey.objects.for_tenant(key.tenant_id).filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    audit.record(actor=actor, tenant=key.tenant, action="api_key.revoke", target=key,
                 data={"prefix": key.prefix})


def key_authenticate(raw: str) -> ApiKey | None:
    """The active key `raw` names, or None (unknown, revoked or wrong secret)."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "vk" or not parts[1].isalnum() or len(parts[1]) > 12:
        return None
    key = (ApiKey.objects.unscoped().select_related("tenant")
           .filter(prefix=parts[1], revoked_at__isnull=True).first())
    if key is None or not hmac.compare_digest(key.key_hash, _hash(parts[2])):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.for_tenant(key.tenant_id).filter(pk=key.pk).update(last_used_at=now)
    return key
