"""POST /api/runtime/v1/heartbeat: the bot reports in with its instance token.

Body (JSON): {"latency_ms": int | null, "version": str}. 204 on success, 401 without a valid
token. The heartbeat is what makes a bot "running" rather than "starting"/"unhealthy": the
container being up says little; a bot that reports its gateway latency is connected to Discord.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from runtime.services import runtime_heartbeat
from tenants.services import instance_token_authenticate


@csrf_exempt
@require_POST
def heartbeat(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    raw = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    token = instance_token_authenticate(raw=raw) if raw else None
    if token is None:
        return JsonResponse({"detail": "invalid instance token"}, status=401)
    try:
        body = json.loads(request.body or b"{}")
        latency = body.get("latency_ms")
        latency = None if latency is None else int(latency)
        version = str(body.get("version", ""))
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"detail": "bad body"}, status=400)
    runtime_heartbeat(tenant=token.tenant, latency_ms=latency, version=version)
    return HttpResponse(status=204)
