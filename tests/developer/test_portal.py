"""The developers page: owner writes, managers read, viewers 403, outsiders 404; a key and a
webhook secret are shown once and stored hashed / encrypted; private webhook URLs refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from developer import webhooks
from developer.models import ApiKey, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _url(shop) -> str:
    return reverse("portal:developers", args=[shop.tenant.slug])


def test_roles_and_outsiders(shop, other_shop, outsider, client_for):
    url = _url(shop)
    assert client_for(shop.owner).get(url).status_code == 200
    assert client_for(shop.manager).get(url).status_code == 200
    assert client_for(shop.viewer).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(other_shop.owner).get(url).status_code == 404


def test_key_created_shown_once_and_stored_hashed(shop, client_for):
    response = client_for(shop.owner).post(_url(shop), {"form": "key", "name": "ERP",
                                                        "scopes": ["orders:read"]})
    assert response.status_code == 200
    raw = response.context["plaintext"]
    assert raw.startswith("vk_") and raw in response.content.decode()
    key = ApiKey.objects.for_tenant(shop.tenant).get()
    assert key.scopes == ["orders:read"] and raw.split("_", 2)[2] not in key.key_hash
    assert raw not in client_for(shop.owner).get(_url(shop)).content.decode()
    # Managers read the page but cannot create or revoke keys.
    client_for(shop.manager).post(_url(shop), {"form": "key", "name": "X",
                                               "scopes": ["orders:read"]})
    revoke = reverse("portal:api_key_revoke", args=[shop.tenant.slug, key.pk])
    assert client_for(shop.manager).post(revoke).status_code == 403
    assert ApiKey.objects.for_tenant(shop.tenant).count() == 1
    assert client_for(shop.owner).post(revoke).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_webhook_endpoint_secret_rotation_and_resend(shop, other_shop, client_for, settings):
    owner = client_for(shop.owner)
    created = owner.post(_url(shop), {"form": "webhook", "url": "https://93.184.216.34/hooks",
                                      "events": ["order.paid", "order.refunded"]})
    secret = created.context["plaintext"]
    endpoint = WebhookEndpoint.objects.for_tenant(shop.tenant).get()
    assert endpoint.secret == secret and endpoint.events == ["order.paid", "order.refunded"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM developer_webhookendpoint WHERE id = %s",
                       [endpoint.pk])
        assert secret not in cursor.fetchone()[0]
    rotated = owner.post(reverse("portal:webhook_rotate", args=[shop.tenant.slug, endpoint.pk]))
    endpoint.refresh_from_db()
    assert rotated.context["plaintext"] == endpoint.secret != secret
    assert endpoint.previous_secret == secret
    delivery = WebhookDelivery.objects.create(tenant=shop.tenant, endpoint=endpoint,
                                              event="order.paid", payload={}, state="failed")
    resend = reverse("portal:webhook_resend", args=[shop.tenant.slug, delivery.pk])
    assert client_for(other_shop.owner).post(
        reverse("portal:webhook_resend", args=[other_shop.tenant.slug, delivery.pk])
    ).status_code == 404
    assert owner.post(resend).status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.next_attempt_at is not None
    assert webhooks  # the module the page drives


def test_private_webhook_url_is_refused(shop, client_for, settings):
    settings.EGRESS_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:8000/h", "http://169.254.169.254/", "http://10.0.0.5/"):
        response = client_for(shop.owner).post(_url(shop), {"form": "webhook", "url": url,
                                                            "events": ["order.paid"]})
        assert response.status_code == 400
    assert not WebhookEndpoint.objects.for_tenant(shop.tenant).exists()
