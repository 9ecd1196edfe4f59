"""Ko-fi's webhook: verify by the shop's token, store once, answer 200 (apply in a task)."""

from __future__ import annotations

import structlog
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from memberships import kofi

log = structlog.get_logger(__name__)


@csrf_exempt
@require_POST
def kofi_webhook(request: HttpRequest, hook_id: str) -> JsonResponse:
    if (request.content_type or "") != "application/x-www-form-urlencoded":
        return JsonResponse({"error": "form-encoded data expected"}, status=415)
    try:
        result = kofi.receive(hook_id=hook_id, raw=request.POST.get("data", ""))
    except kofi.Rejected as exc:
        log.warning("kofi.rejected", reason=exc.reason, status=exc.status)
        return JsonResponse({"error": exc.reason}, status=exc.status)
    return JsonResponse({"status": result})
