"""Logs are structured and never carry secrets; /metrics is there for operators with the token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

from tenants.services import instance_token_create

ROOT = Path(__file__).resolve().parents[2]


def test_request_id_is_echoed_or_created():
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="abc12345-proxy")
    assert response["X-Request-ID"] == "abc12345-proxy"
    generated = Client().get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32


def test_json_logs_carry_context_and_never_a_planted_secret(shop):
    """Run a real process with production logging, plant secrets, grep what it printed."""
    _, plaintext = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    discord_token = "MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789"
    script = f"""
import logging, structlog
log = structlog.get_logger("vitrine.test")
structlog.contextvars.bind_contextvars(request_id="req-1234567890", tenant_id={shop.tenant.pk})
log.info("bot started", token={discord_token!r}, note="using {discord_token}")
log.warning("auth header", header="Bearer {plaintext}")
logging.getLogger("thirdparty").error("oops with %s", {plaintext!r})
try:
    raise ValueError("failed for {plaintext}")
except ValueError:
    log.exception("crashed")
"""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {"LOG_FORMAT": "json", "DEBUG": "0"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert plaintext not in output
    assert plaintext.split("_", 2)[2] not in output
    assert discord_token not in output
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    started = next(line for line in lines if line["event"] == "bot started")
    assert started["request_id"] == "req-1234567890"
    assert started["tenant_id"] == shop.tenant.pk
    assert started["token"] == "[redacted]"
    assert started["level"] == "info" and started["timestamp"]
    assert any(line["logger"] == "thirdparty" for line in lines)


def test_scrub_keeps_ordinary_text():
    from config.logging import scrub

    assert scrub("order 42 paid by alice") == "order 42 paid by alice"


def test_metrics_need_the_token(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "scrape-me-" + "x" * 20
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "django_http_requests_total_by_method_total" in body
    assert 'vitrine_queue_depth{queue="default"}' in body
    assert "vitrine_webhooks_received_total" in body or "vitrine_webhooks_received" in body


def test_task_context_is_bound_for_celery_tasks():
    import structlog
    from celery.signals import task_prerun

    task_prerun.send(sender=None, task_id="t-123", task=None)
    assert structlog.contextvars.get_contextvars()["task_id"] == "t-123"


def test_business_metrics_move(shop, settings):
    """A rejected webhook and a reconcile pass show up in /metrics."""
    from runtime.tasks import runtime_reconcile

    settings.METRICS_TOKEN = "t" * 24
    Client().post("/webhooks/mercadopago?data.id=1&type=payment", data=b"{}",
                  content_type="application/json")  # unsigned: rejected with 401
    runtime_reconcile()
    body = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer " + "t" * 24).content.decode()
    assert 'vitrine_webhooks_received_total{provider="mercadopago",result="rejected_401"}' in body
    assert "vitrine_runtime_reconcile_seconds_count" in body
    assert 'vitrine_bots{state="running"} 0.0' in body
