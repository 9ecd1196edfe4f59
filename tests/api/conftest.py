from __future__ import annotations

import pytest
from django.test import Client

from tenants.services import instance_token_create
from tests.sales.factories import mp  # noqa: F401


class BotClient:
    """A JSON client holding one tenant's instance token."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def call(self, method: str, path: str, body=None, **extra):
        url = path if path.startswith("/") else f"/api/bot/v1/{path}"
        kwargs = {"content_type": "application/json"} if body is not None else {}
        return getattr(self.client, method)(url, body, **kwargs, **extra) if body is not None \
            else getattr(self.client, method)(url, **extra)

    def get(self, path, **kw):
        return self.call("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("post", path, {} if body is None else body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("put", path, {} if body is None else body, **kw)

    def delete(self, path, **kw):
        return self.call("delete", path, **kw)


@pytest.fixture
def bot(shop) -> BotClient:
    _token, raw = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    return BotClient(raw)


@pytest.fixture
def other_bot(other_shop) -> BotClient:
    _token, raw = instance_token_create(tenant=other_shop.tenant, actor=other_shop.owner)
    return BotClient(raw)
