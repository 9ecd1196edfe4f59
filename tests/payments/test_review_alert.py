"""A payment flagged `review` emails the operators (settings.ADMINS) once, plus the audit line."""

from __future__ import annotations

from django.core import mail

from audit.models import AuditEvent
from payments import services
from payments.models import Payment
from tests.payments.conftest import TOKEN, as_payable


def test_review_emails_the_operators_once(shop, mp, outcomes, settings,
                                          django_capture_on_commit_callbacks):
    settings.ADMINS = [("Ops", "ops@vitrine.test")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tenant = as_payable(shop.tenant, 1990)
    payment = services._payment_row(payable=tenant, method="pix", provider="mercadopago")
    body = mp.sdk(TOKEN).payment().create({
        "transaction_amount": 19.89, "payment_method_id": "pix", "external_reference":
        str(payment.pk), "payer": {"email": "b@example.com"}})["response"]
    mp.approve(body["id"])
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_sync(provider_payment_id=str(body["id"]))
        services.payment_sync(provider_payment_id=str(body["id"]))  # a replay: no second mail
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REVIEW
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@vitrine.test"]
    assert f"Payment {payment.pk} needs review" in mail.outbox[0].subject
    assert "amount 1989 != 1990" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="payment.review", target_id=str(payment.pk)).exists()
