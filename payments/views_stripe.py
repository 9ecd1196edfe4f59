"""POST /webhooks/stripe: thin; payments.stripe_webhooks verifies and stores."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.metrics import WEBHOOKS_RECEIVED
from payments import stripe_webhooks
from payments.providers.base import WebhookRejected
from payments.providers.stripe_checkout import MAX_BODY_BYTES


def _body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise WebhookRejected(413, "body over 64 KiB")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRejected(413, "body over 64 KiB")
    return body


@csrf_exempt
@require_POST
def webhook_stripe(request: HttpRequest) -> HttpResponse:
    try:
        result = stripe_webhooks.ingest(body=_body(request), headers=dict(request.headers))
    except WebhookRejected as exc:
        stripe_webhooks.reject_audit(reason=exc.reason, status=exc.status,
                                     remote=request.META.get("REMOTE_ADDR", ""))
        WEBHOOKS_RECEIVED.labels(provider="stripe", result=f"rejected_{exc.status}").inc()
        return JsonResponse({"error": exc.reason}, status=exc.status)
    WEBHOOKS_RECEIVED.labels(provider="stripe", result=result).inc()
    return JsonResponse({"status": result})
