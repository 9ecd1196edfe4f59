"""Writes for tenants: instances, memberships and instance API tokens."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

import audit
from tenants.models import InstanceToken, Membership, Role, Tenant, User
from tenants.quotas import quota_check
from tenants.signals import tenant_created

# last_used_at is informational; writing it on every bot request would turn reads into writes.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class TenantError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "loja"
    slug = base
    while Tenant.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


@transaction.atomic
def tenant_create(*, owner: User, name: str, locale: str = "pt-br") -> Tenant:
    name = name.strip()
    if not name:
        raise TenantError(_("Give your instance a name."))
    existing = Tenant.objects.filter(owner=owner).order_by("created_at").first()
    if existing is not None:
        # The account's plan (held by its first instance) caps how many instances it may own.
        quota_check(tenant=existing, quota="instances")
    tenant = Tenant.objects.create(name=name, slug=_unique_slug(name), owner=owner, locale=locale)
    Membership.objects.create(tenant=tenant, user=owner, role=Role.OWNER)
    audit.record(actor=owner, tenant=tenant, action="tenant.create", target=tenant,
                 data={"name": name, "locale": locale})
    tenant_created.send(sender=Tenant, tenant=tenant)
    return tenant


# tenant.settings keys the portal's Settings page edits (Discord channels and staff notices).
DISCORD_SETTINGS = ("log_channel_id", "fallback_channel_id", "notify_sales", "notify_failures",
                    "notify_low_stock")


def _snapshot(tenant: Tenant) -> dict[str, Any]:
    options = tenant.settings or {}
    return {"name": tenant.name, "locale": tenant.locale,
            **{key: options[key] for key in DISCORD_SETTINGS if key in options}}


@transaction.atomic
def tenant_update(*, tenant: Tenant, actor: User, name: str, locale: str,
                  discord: Mapping[str, Any] | None = None) -> Tenant:
    """Rename, change the bot's language and, with `discord`, its channels and notices."""
    unknown = set(discord or {}) - set(DISCORD_SETTINGS)
    if unknown:
        raise TenantError(f"unknown settings: {sorted(unknown)}")
    before = _snapshot(tenant)
    tenant.name, tenant.locale = name.strip(), locale
    tenant.settings = {**(tenant.settings or {}), **(discord or {})}
    tenant.save(update_fields=["name", "locale", "settings", "updated_at"])
    after = _snapshot(tenant)
    if before != after:
        audit.record(actor=actor, tenant=tenant, action="tenant.update", target=tenant,
                     data={"before": before, "after": after})
    return tenant


@transaction.atomic
def membership_add(*, tenant: Tenant, actor: User, user: User, role: str) -> Membership:
    if role == Role.OWNER:
        raise TenantError(_("An instance has exactly one owner."))
    try:
        with transaction.atomic():
            membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    except IntegrityError:
        raise TenantError(_("This person is already a member of the instance.")) from None
    audit.record(actor=actor, tenant=tenant, action="membership.add", target=membership,
                 data={"user": user.pk, "role": role})
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, actor: User, role: str) -> Membership:
    if membership.role == Role.OWNER or role == Role.OWNER:
        raise TenantError(_("The owner's role cannot be changed here."))
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(actor=actor, tenant=membership.tenant, action="membership.role",
                 target=membership, data={"before": before, "after": role})
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    if membership.role == Role.OWNER:
        raise TenantError(_("The owner cannot be removed from the instance."))
    audit.record(actor=actor, tenant=membership.tenant, action="membership.remove",
                 target=membership, data={"user": membership.user_id, "role": membership.role})
    membership.delete()


@transaction.atomic
def instance_token_create(*, tenant: Tenant, actor: User | None,
                          name: str = "bot") -> tuple[InstanceToken, str]:
    """Create a token and return it with its plaintext, which is never stored or shown again."""
    lookup, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = InstanceToken.objects.create(
        tenant=tenant, name=name[:60] or "bot", lookup=lookup,
        secret_hash=InstanceToken.hash_secret(secret), created_by=actor,
    )
    audit.record(actor=actor, tenant=tenant, action="instance_token.create", target=token,
                 data={"name": token.name, "prefix": token.display_prefix})
    return token, f"{token.display_prefix}{secret}"


@transaction.atomic
def instance_token_revoke(*, token: InstanceToken, actor: User | None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, tenant=token.tenant, action="instance_token.revoke", target=token,
                 data={"prefix": token.display_prefix})


@transaction.atomic
def instance_token_rotate(*, tenant: Tenant, actor: User | None) -> tuple[InstanceToken, str]:
    """Revoke every active token of the tenant and issue a fresh one."""
    for token in InstanceToken.objects.for_tenant(tenant).filter(revoked_at__isnull=True):
        instance_token_revoke(token=token, actor=actor)
    return instance_token_create(tenant=tenant, actor=actor)


GUILD_ID_RE = re.compile(r"^[1-9]\d{0,19}$")


class KeyNotOwned(ValueError):
    """/vincular: the key typed is not an active instance key of this same shop."""


def tenant_link_guild_by_key(*, tenant: Tenant, key: str, guild_id: str,
                             staff_role_id: str | None = None) -> Tenant:
    """/vincular: staff prove the shop is theirs by typing one of its active instance keys;
    a revoked key, another shop's key or garbage raises KeyNotOwned and links nothing."""
    typed = instance_token_authenticate(raw=key)
    if typed is None or typed.tenant_id != tenant.pk:
        raise KeyNotOwned("the key is not an active instance key of this shop")
    return tenant_link_guild(tenant=tenant, guild_id=guild_id, staff_role_id=staff_role_id)


@transaction.atomic
def tenant_link_guild(*, tenant: Tenant, guild_id: str, staff_role_id: str | None = None,
                      actor: User | None = None) -> Tenant:
    """Link the shop to its Discord server (staff ran /vincular); optionally its staff role."""
    guild_id = str(guild_id).strip()
    if not GUILD_ID_RE.match(guild_id):
        raise ValueError("guild_id must be a Discord snowflake")
    role = None if staff_role_id is None else str(staff_role_id).strip()
    if role and not GUILD_ID_RE.match(role):
        raise ValueError("staff_role_id must be a Discord snowflake")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    previous = tenant.discord_guild_id
    tenant.discord_guild_id = guild_id
    fields = ["discord_guild_id", "updated_at"]
    if role is not None:
        tenant.staff_role_id = role
        fields.append("staff_role_id")
    tenant.save(update_fields=fields)
    audit.record(actor=actor, tenant=tenant, action="tenant.link_guild", target=tenant,
                 data={"guild_id": guild_id, "previous": previous,
                       "staff_role_id": tenant.staff_role_id})
    return tenant


def instance_token_authenticate(*, raw: str) -> InstanceToken | None:
    """The active token for `raw`, or None. Constant-time on the secret; touches last_used_at."""
    if not raw.isascii() or not raw.isprintable():  # NUL and friends never reach a lookup
        return None
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != InstanceToken.PREFIX:
        return None
    token = (InstanceToken.objects.unscoped().select_related("tenant")
             .filter(lookup=parts[1], revoked_at__isnull=True).first())
    if token is None or not secrets.compare_digest(
        token.secret_hash, InstanceToken.hash_secret(parts[2])
    ):
        return None
    _touch(token)
    return token


def _touch(token: InstanceToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        InstanceToken.objects.unscoped().filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def tenant_set_status(*, tenant: Tenant, status: str, actor: User | None, reason: str) -> bool:
    """Operators suspend or reactivate a shop. The runtime stops a suspended shop's bot on its
    next pass (and brings it back on reactivation); the shop's data is kept either way."""
    if status not in Tenant.Status.values:
        raise TenantError(_("Unknown status."))
    if not reason.strip():
        raise TenantError(_("Say why the status changes."))
    before = tenant.status
    if Tenant.objects.filter(pk=tenant.pk).exclude(status=status).update(status=status) == 0:
        return False
    tenant.status = status
    audit.record(actor=actor, tenant=tenant, action="tenant.status", target=tenant,
                 data={"before": before, "after": status, "reason": reason.strip()})
    return True
