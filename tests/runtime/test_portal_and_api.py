"""The instance page (ownership, roles, actions, bad input) and the heartbeat API."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from runtime import services
from runtime.models import BotRuntime, Desired, Observed
from tenants.models import Tenant
from tenants.services import instance_token_create

pytestmark = [pytest.mark.django_db]

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.portal.token-value"


def _url(shop, name: str = "portal:bot") -> str:
    return reverse(name, args=[shop.tenant.slug])


def test_page_for_every_member_and_404_for_outsiders(shop, other_shop, outsider,
                                                     client_for) -> None:
    for user in (shop.owner, shop.manager, shop.viewer):
        response = client_for(user).get(_url(shop))
        assert response.status_code == 200
        assert b'data-testid="bot-state"' in response.content
    assert client_for(outsider).get(_url(shop)).status_code == 404
    assert client_for(other_shop.owner).get(_url(shop)).status_code == 404
    assert client_for(other_shop.owner).get(_url(shop, "portal:bot_logs")).status_code == 404


def test_only_owner_and_manager_may_act(shop, outsider, client_for, enqueued) -> None:
    services.runtime_set_discord_token(tenant=shop.tenant, token=TOKEN, actor=shop.owner)
    url = _url(shop, "portal:bot_action")
    assert client_for(shop.viewer).post(url, {"action": "start"}).status_code == 403
    assert client_for(outsider).post(url, {"action": "start"}).status_code == 404
    response = client_for(shop.manager).post(url, {"action": "start"})
    assert response.status_code == 302
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.desired_state == Desired.RUNNING and runtime.desired_by == shop.manager
    assert ("runtime_start", shop.tenant.pk) in enqueued
    client_for(shop.owner).post(url, {"action": "restart"})
    client_for(shop.owner).post(url, {"action": "stop"})
    runtime.refresh_from_db()
    assert runtime.desired_state == Desired.STOPPED and runtime.restart_requested == 1
    assert AuditEvent.objects.filter(tenant=shop.tenant, action="runtime.set_desired").count() == 2


def test_token_only_for_the_owner_and_never_shown(shop, client_for) -> None:
    url = _url(shop, "portal:bot_token")
    assert client_for(shop.manager).post(url, {"token": TOKEN}).status_code == 403
    client_for(shop.owner).post(url, {"token": TOKEN})
    assert BotRuntime.objects.for_tenant(shop.tenant).get().discord_token == TOKEN
    page = client_for(shop.owner).get(_url(shop)).content.decode()
    assert TOKEN not in page
    event = AuditEvent.objects.filter(action="runtime.set_token").get()
    assert TOKEN not in str(event.data)


def test_start_without_token_or_suspended_says_what_to_do(shop, client_for) -> None:
    client = client_for(shop.owner)
    client.cookies["vitrine_language"] = "en"
    response = client.post(_url(shop, "portal:bot_action"), {"action": "start"}, follow=True)
    assert "Discord token first" in response.content.decode()
    services.runtime_set_discord_token(tenant=shop.tenant, token=TOKEN, actor=shop.owner)
    Tenant.objects.filter(pk=shop.tenant.pk).update(status=Tenant.Status.SUSPENDED)
    response = client.post(_url(shop, "portal:bot_action"), {"action": "start"})
    # Suspended instances are read-only portal-wide (tenants.access), with what to do.
    assert response.status_code == 403 and "plan expired" in response.content.decode()
    assert BotRuntime.objects.for_tenant(shop.tenant).get().desired_state == Desired.STOPPED


def test_engine_errors_never_reach_the_page(shop, client_for, settings) -> None:
    # The page reads the controller's snapshot; an engine that never answered says so.
    settings.RUNTIME_BACKEND = "docker"
    settings.DOCKER_HOST = "unix:///nonexistent.sock"
    from django.utils import timezone

    from runtime.backends import reset_backend_cache
    from runtime.models import BotSnapshot

    reset_backend_cache()
    services.runtime_set_discord_token(tenant=shop.tenant, token=TOKEN, actor=shop.owner)
    BotRuntime.objects.for_tenant(shop.tenant).update(
        container_id="abc", observed_state=Observed.UNKNOWN, reason="engine down")
    BotSnapshot.objects.create(tenant=shop.tenant, engine_ok=False, taken_at=timezone.now())
    client = client_for(shop.owner)
    client.cookies["vitrine_language"] = "en"
    response = client.get(_url(shop))
    assert response.status_code == 200
    assert "cannot be read right now" in response.content.decode()
    assert client.get(_url(shop, "portal:bot_logs")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_last_request_wins(shop) -> None:
    services.runtime_set_discord_token(tenant=shop.tenant, token=TOKEN, actor=shop.owner)
    barrier = threading.Barrier(2)
    order: list[str] = []

    def click(state: str) -> None:
        try:
            barrier.wait()
            runtime = services.runtime_set_desired(tenant=shop.tenant, state=state,
                                                   reason="click")
            order.append((runtime.generation, state))
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(s,)) for s in ("running", "stopped")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.generation == 2
    assert runtime.desired_state == max(order)[1]  # the one committed last


def test_heartbeat_needs_a_valid_instance_token(shop, client) -> None:
    url = reverse("runtime:heartbeat")
    assert client.post(url, {}, content_type="application/json").status_code == 401
    bad = client.post(url, {}, content_type="application/json",
                      HTTP_AUTHORIZATION="Bearer vtr_nope_nope")
    assert bad.status_code == 401
    _, raw = instance_token_create(tenant=shop.tenant, actor=None)
    ok = client.post(url, {"latency_ms": 37, "version": "1.2"},
                     content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ok.status_code == 204
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.gateway_latency_ms == 37 and runtime.bot_version == "1.2"
    assert client.get(url).status_code == 405


def test_admin_lists_failing_first_and_bulk_restarts(operator, shop, other_shop, client_for,
                                                    enqueued) -> None:
    services.runtime_set_discord_token(tenant=shop.tenant, token=TOKEN, actor=shop.owner)
    BotRuntime.objects.for_tenant(other_shop.tenant).update(observed_state=Observed.RUNNING)
    BotRuntime.objects.get_or_create(tenant=other_shop.tenant,
                                     defaults={"observed_state": Observed.RUNNING})
    BotRuntime.objects.for_tenant(shop.tenant).update(observed_state=Observed.CRASHLOOPING)
    client = client_for(operator)
    page = client.get(reverse("admin:runtime_botruntime_changelist")).content.decode()
    assert page.index(shop.tenant.name) < page.index(other_shop.tenant.name)
    ids = [str(r.pk) for r in BotRuntime.objects.unscoped().all()]
    client.post(reverse("admin:runtime_botruntime_changelist"),
                {"action": "bulk_restart", "_selected_action": ids})
    assert ("runtime_start", shop.tenant.pk) in enqueued
