"""Fixtures shared by every test: two shops, their people, and an outsider.

`shop` (tenant A) has an owner, a manager and a viewer; `other_shop` (tenant B) has its own
owner. `outsider` belongs to nothing. Ownership tests use these to show that the owner gets a
page and everyone else gets a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tenants.models import Membership, Role, Tenant, User
from tenants.services import tenant_create


@dataclass
class Shop:
    tenant: Tenant
    owner: User
    manager: User
    viewer: User


def make_user(username: str, **extra: object) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@example.com",
                                    password="pw-" + username, first_name=username.title(),
                                    **extra)
    return user


def _shop(prefix: str, name: str) -> Shop:
    owner = make_user(f"{prefix}owner")
    tenant = tenant_create(owner=owner, name=name)
    manager, viewer = make_user(f"{prefix}manager"), make_user(f"{prefix}viewer")
    Membership.objects.create(tenant=tenant, user=manager, role=Role.MANAGER)
    Membership.objects.create(tenant=tenant, user=viewer, role=Role.VIEWER)
    return Shop(tenant=tenant, owner=owner, manager=manager, viewer=viewer)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shop(db: None) -> Shop:
    return _shop("a", "Loja Alfa")


@pytest.fixture
def other_shop(db: None) -> Shop:
    return _shop("b", "Loja Beta")


@pytest.fixture
def outsider(db: None) -> User:
    return make_user("outsider")


@pytest.fixture
def operator(db: None) -> User:
    return make_user("operator", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for():
    """A logged-in test client for a user: client_for(shop.owner).get(...)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
