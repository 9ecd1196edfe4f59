"""POST /api/runtime/v1/heartbeat: the bot reports in with its instance token.

Body (JSON): {"latency_ms": int >= 0 | null, "version": str (at most 40)}. 204 on success, 401
without a valid token, 400 for any other body (config.boundaries.json_loads). The heartbeat is
what makes a bot "running" rather than "starting"/"unhealthy": the container being up says
little; a bot that reports its gateway latency is connected to Discord.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config import boundaries
from runtime.models import BotRuntime
from runtime.services import runtime_heartbeat
from tenants.services import instance_token_authenticate

# The column's range (the service clamps what it stores to ten minutes).
MAX_LATENCY_MS = boundaries.integer_range(BotRuntime._meta.get_field("gateway_latency_ms"))[1]
VERSION_MAX = BotRuntime._meta.get_field("bot_version").max_length


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@csrf_exempt
@require_POST
def heartbeat(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    raw = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    token = instance_token_authenticate(raw=raw) if raw else None
    if token is None:
        return JsonResponse({"detail": "invalid instance token"}, status=401)
    try:
        body = boundaries.json_loads(request.body or b"{}")
    except boundaries.BadInput as exc:
        return JsonResponse({"detail": f"bad body: {exc.reason}"}, status=400)
    latency, version = (body.get("latency_ms"), body.get("version", "")) \
        if isinstance(body, dict) else (False, None)
    if not (latency is None or (_is_int(latency) and 0 <= latency <= MAX_LATENCY_MS)) \
            or not isinstance(version, str) or len(version) > VERSION_MAX:
        return JsonResponse({"detail": "bad body: latency_ms is an integer from 0 to "
                             f"{MAX_LATENCY_MS} or null, version a string of at most "
                             f"{VERSION_MAX} characters"}, status=400)
    runtime_heartbeat(tenant=token.tenant, latency_ms=latency, version=version)
    return HttpResponse(status=204)
