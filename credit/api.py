"""Bot API for store credit (/saldo, top-ups, /resgatar). Thin: the shared base owns the tenant
and the error shape; credit's refusals come back as {"error": {"code", "message"}}."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from credit import giftcards, selectors
from credit import serializers as s
from credit.policy import credit_policy
from credit.services import CreditRefused, topup_start
from money import format_money
from payments.providers.mercadopago import ProviderError
from payments.services import PaymentError
from sales.api.base import BotAPIError, BotAPIView, validated
from sales.api.serializers import ErrorOut
from wallet.models import LedgerTransaction

ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 413, 429)}
STATUS = {"topup_disabled": 409, "topup_amount": 400, "giftcard_unknown": 404,
          "giftcard_used": 409, "redeem_rate_limited": 429}
KINDS = dict(LedgerTransaction.Kind.choices)


def _refused(exc: CreditRefused) -> BotAPIError:
    return BotAPIError(exc.code, STATUS.get(exc.code, 409), str(exc))


class CreditView(BotAPIView):
    @extend_schema(operation_id="credit", responses={200: s.CreditOut, **ERRORS},
                   summary="The buyer's store credit in this shop, its latest movements and the "
                           "shop's top-up rules (/saldo)")
    def get(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        currency = self.tenant.currency
        cents = selectors.buyer_balance(customer=customer)
        policy = credit_policy(self.tenant)
        return Response({
            "balance_cents": cents, "balance_display": format_money(cents, currency),
            "history": [{"at": line.created_at, "kind": line.kind,
                         "kind_display": str(KINDS.get(line.kind, line.kind)),
                         "delta_cents": line.delta_cents,
                         "delta_display": format_money(line.delta_cents, currency)}
                        for line in selectors.buyer_history(customer=customer)],
            "topup": {"enabled": policy.topup_enabled, "min_cents": policy.topup_min_cents,
                      "max_cents": policy.topup_max_cents,
                      "min_display": format_money(policy.topup_min_cents, currency),
                      "max_display": format_money(policy.topup_max_cents, currency),
                      "bonus_percent": policy.bonus_percent},
        })


class TopUpView(BotAPIView):
    @extend_schema(operation_id="credit_topup", request=s.TopUpIn,
                   responses={201: s.TopUpOut, 503: ErrorOut, **ERRORS},
                   summary="Ask for a PIX that tops up the buyer's balance once approved "
                           "(topup_disabled 409, topup_amount 400 outside the shop's limits)")
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.TopUpIn, request)
        try:
            started = topup_start(customer=customer, amount_cents=data["amount_cents"])
        except CreditRefused as exc:
            raise _refused(exc) from None
        except (ProviderError, PaymentError):
            raise BotAPIError("payment_unavailable", status.HTTP_503_SERVICE_UNAVAILABLE,
                              gettext("The payment service is unavailable right now. Try "
                                      "again in a minute.")) from None
        topup, currency = started.topup, self.tenant.currency
        return Response({"topup_id": topup.pk, "amount_cents": topup.amount_cents,
                         "amount_display": format_money(topup.amount_cents, currency),
                         "bonus_cents": topup.bonus_cents,
                         "bonus_display": format_money(topup.bonus_cents, currency),
                         "payment": started.payment.instructions().__dict__},
                        status=status.HTTP_201_CREATED)


class RedeemView(BotAPIView):
    @extend_schema(operation_id="credit_redeem", request=s.RedeemIn,
                   responses={200: s.RedeemOut, **ERRORS},
                   summary="Redeem a gift card code into the buyer's balance (/resgatar): "
                           "giftcard_unknown 404, giftcard_used 409, redeem_rate_limited 429")
    def post(self, request: Request, discord_user_id: str) -> Response:
        customer = self.customer(discord_user_id)
        data = validated(s.RedeemIn, request)
        try:
            credited = giftcards.giftcard_redeem(customer=customer, code=data["code"])
        except CreditRefused as exc:
            raise _refused(exc) from None
        cents, currency = selectors.buyer_balance(customer=customer), self.tenant.currency
        return Response({"credited_cents": credited,
                         "credited_display": format_money(credited, currency),
                         "balance_cents": cents, "balance_display": format_money(cents, currency)})
