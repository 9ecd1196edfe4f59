"""Public payment pages and the provider webhook. Thin: parse, call a service, render."""

from __future__ import annotations

import segno
import structlog
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

import audit
from config import boundaries
from config.metrics import WEBHOOKS_RECEIVED
from payments import webhooks
from payments.models import Payment, WebhookEvent

log = structlog.get_logger(__name__)
# htmx stops polling when the answer is 286 (the status is final).
STOP_POLLING = 286


def _payment(public_id: str) -> Payment:
    # The public uuid is the capability: unguessable, so the page needs no sign-in.
    return get_object_or_404(Payment.objects.unscoped().select_related("tenant"),
                             public_id=public_id)


def _live(payment: Payment) -> str:
    """What the buyer's page shows: waiting, confirmed, expired or failed."""
    if payment.status in (Payment.Status.APPROVED, Payment.Status.REFUNDED,
                          Payment.Status.CHARGED_BACK):
        return "confirmed"
    if payment.status in (Payment.Status.EXPIRED, Payment.Status.CANCELLED):
        return "expired"
    if payment.status == Payment.Status.REJECTED:
        return "rejected"
    if payment.status == Payment.Status.REVIEW:
        return "review"
    return "waiting"


def _context(payment: Payment, **extra: object) -> dict:
    return {"payment": payment, "instructions": payment.instructions(), "live": _live(payment),
            **extra}


@require_GET
@never_cache
def page(request: HttpRequest, public_id: str) -> HttpResponse:
    payment = _payment(public_id)
    return render(request, "payments/page.html", _context(payment))


@require_GET
@never_cache
def result(request: HttpRequest, public_id: str) -> HttpResponse:
    """Where Checkout Pro sends the buyer back. The query string is a hint to look now, never
    the outcome: the task re-reads the payment from the API."""
    payment = _payment(public_id)
    hinted = request.GET.get("payment_id") or request.GET.get("collection_id") or ""
    if payment.is_open and boundaries.ascii_int(hinted, max_digits=19) is not None:
        from payments.tasks import sync_provider_payment

        _enqueue(sync_provider_payment, hinted)
    return render(request, "payments/page.html", _context(payment, returned=True))


@require_GET
@never_cache
def status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The live status fragment the page polls every second (htmx)."""
    payment = _payment(public_id)
    live = _live(payment)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"status": payment.status, "live": live})
    response = render(request, "payments/_status.html", _context(payment))
    if live != "waiting":
        response.status_code = STOP_POLLING
    return response


@require_GET
def qr(request: HttpRequest, public_id: str) -> HttpResponse:
    payment = _payment(public_id)
    if not payment.pix_code:
        return HttpResponse(status=404)
    image = segno.make(payment.pix_code, error="m")
    response = HttpResponse(content_type="image/svg+xml" if request.GET.get("svg") else
                            "image/png")
    if request.GET.get("svg"):
        image.save(response, kind="svg", scale=6, border=2, xmldecl=False)
    else:
        image.save(response, kind="png", scale=8, border=2)
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _safely(send) -> None:
    try:
        send()
    except Exception as exc:  # broker or cache down: the event is stored; the sweeper re-sends
        log.error("payments.enqueue_failed", error=f"{exc.__class__.__name__}: {exc}")


def _enqueue(task, *args: object) -> None:
    transaction.on_commit(lambda: _safely(lambda: task.delay(*args)))


def _remote(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@csrf_exempt
@require_POST
def webhook_mercadopago(request: HttpRequest) -> HttpResponse:
    """Verify, store, answer at once; payments.tasks.apply_webhook_event does the rest."""
    request_id = request.headers.get("x-request-id", "")
    try:
        result = _ingest(request, request_id)
    except webhooks.Rejected as exc:
        webhooks.reject_audit(reason=exc.reason, status=exc.status, request_id=request_id,
                              remote=_remote(request))
        WEBHOOKS_RECEIVED.labels(provider="mercadopago", result=f"rejected_{exc.status}").inc()
        return JsonResponse({"error": exc.reason}, status=exc.status)
    WEBHOOKS_RECEIVED.labels(provider="mercadopago", result=result).inc()
    return JsonResponse({"status": result})


def _read_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > webhooks.MAX_BODY_BYTES:
        raise webhooks.Rejected(413, "body over 64 KiB")
    body = request.read(webhooks.MAX_BODY_BYTES + 1)
    if len(body) > webhooks.MAX_BODY_BYTES:
        raise webhooks.Rejected(413, "body over 64 KiB")
    return body


def _ingest(request: HttpRequest, request_id: str) -> str:
    """Store a verified notification: "accepted", "duplicate" or "ignored" (all 200)."""
    body = _read_body(request)
    content_type = request.content_type or ""
    if body and content_type not in ("application/json", ""):
        raise webhooks.Rejected(415, "JSON only")
    query = {key: request.GET.get(key, "") for key in request.GET}
    signature = request.headers.get("x-signature", "")
    legacy = "topic" in query and "data.id" not in query
    data_id = query.get("id", "") if legacy else query.get("data.id", "")
    if not (legacy and not signature and webhooks._allow_unsigned_ipn()):
        webhooks.verify_signature(header=signature, data_id=data_id, request_id=request_id)
    note = webhooks.parse(query=query, body=body)
    event_id, state = webhooks.store(note=note, request_id=request_id)
    if event_id is None:
        return "duplicate"
    if state == WebhookEvent.State.IGNORED:
        audit.record(actor=None, tenant=None, action="webhook.ignored", target=None,
                     data={"event": event_id, "topic": note.topic, "data_id": note.data_id})
        return "ignored"
    from payments.tasks import drain_kick

    transaction.on_commit(lambda: _safely(drain_kick))
    return "accepted"
