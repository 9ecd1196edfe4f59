"""Public payment pages and the provider webhook. Thin: parse, call a service, render."""

from __future__ import annotations

import segno
import structlog
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from config import boundaries
from config.metrics import WEBHOOKS_RECEIVED
from payments import ingest, webhooks
from payments.models import Payment

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


@require_POST
@never_cache
def simulate(request: HttpRequest, public_id: str) -> HttpResponse:
    """`make run` only (MERCADOPAGO_SANDBOX): approve in the emulator, then show the page,
    which turns to "confirmed" once the emulator's webhook is applied. 404 anywhere else."""
    from payments.providers.mercadopago import ProviderError
    from payments.services import payment_simulate_approval

    payment = _payment(public_id)
    if not payment.can_simulate:
        raise Http404
    try:
        payment_simulate_approval(payment=payment)
    except ProviderError:
        log.warning("payment.simulate_failed", payment_id=payment.pk)
        return render(request, "payments/page.html", _context(payment), status=503)
    return redirect("payments:page", public_id=payment.public_id)


@require_GET
@never_cache
def result(request: HttpRequest, public_id: str) -> HttpResponse:
    """Where Checkout Pro sends the buyer back. The query string is a hint to look now, never
    the outcome: the task re-reads the payment from the API."""
    payment = _payment(public_id)
    hinted = request.GET.get("payment_id") or request.GET.get("collection_id") or ""
    if payment.is_open and boundaries.ascii_int(hinted, max_digits=19) is not None:
        from payments.tasks import sync_provider_payment

        if payment.provider == Payment.Provider.MERCADOPAGO_SELLER:  # the seller's token reads it
            _enqueue(sync_provider_payment, hinted, payment.provider, payment.tenant_id)
        else:
            _enqueue(sync_provider_payment, hinted)
    elif payment.is_open and payment.provider == Payment.Provider.STRIPE:
        # Back from Stripe Checkout: our own row names the session to re-read, not the URL.
        from payments.tasks import sync_provider_payment

        _enqueue(sync_provider_payment, payment.provider_payment_id, payment.provider)
    return render(request, "payments/page.html", _context(payment, returned=True))


@require_GET
@never_cache
def status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The live status fragment the page polls every second (htmx)."""
    payment = _payment(public_id)
    live = _live(payment)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"status": payment.status, "live": live})
    # oob: the "Amount to pay" label above the status follows it ("Amount paid").
    response = render(request, "payments/_status.html", {**_context(payment), "oob": True})
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
    """Verify, store, answer at once (payments.ingest); payments.tasks applies the event."""
    return _acknowledge(request, Payment.Provider.MERCADOPAGO)


@csrf_exempt
@require_POST
def webhook_mercadopago_seller(request: HttpRequest) -> HttpResponse:
    """Payments on shops' own accounts (payments.connect): same checks, own provider name."""
    return _acknowledge(request, Payment.Provider.MERCADOPAGO_SELLER)


def _acknowledge(request: HttpRequest, provider: str) -> HttpResponse:
    request_id = request.headers.get("x-request-id", "")
    try:
        result = ingest.current().acknowledge(request, request_id, provider)
    except webhooks.Rejected as exc:
        webhooks.reject_audit(reason=exc.reason, status=exc.status, request_id=request_id,
                              remote=_remote(request))
        WEBHOOKS_RECEIVED.labels(provider=provider, result=f"rejected_{exc.status}").inc()
        return JsonResponse({"error": exc.reason}, status=exc.status)
    WEBHOOKS_RECEIVED.labels(provider=provider, result=result).inc()
    return JsonResponse({"status": result})
