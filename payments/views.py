"""Public payment pages and the provider webhook."""

from __future__ import annotations

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from payments.models import Payment


def _payment(public_id: str) -> Payment:
    # The public uuid is the capability: unguessable, so the page needs no sign-in.
    return get_object_or_404(Payment.objects.unscoped().select_related("tenant"),
                             public_id=public_id)


@require_GET
@never_cache
def page(request: HttpRequest, public_id: str) -> HttpResponse:
    payment = _payment(public_id)
    return render(request, "payments/page.html", {"payment": payment,
                                                  "instructions": payment.instructions()})


@require_GET
def qr(request: HttpRequest, public_id: str) -> HttpResponse:
    payment = _payment(public_id)
    if not payment.pix_code:
        return HttpResponse(status=404)
    image = segno.make(payment.pix_code, error="m")
    response = HttpResponse(content_type="image/png")
    image.save(response, kind="png", scale=8, border=2)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@csrf_exempt
@require_POST
def webhook_mercadopago(request: HttpRequest) -> HttpResponse:
    # Signature check, storage and idempotent application arrive with the payments issue.
    return HttpResponse(status=501)
