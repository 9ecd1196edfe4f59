"""Bot API shapes for store credit (documented in the OpenAPI schema the fuzzers read)."""

from __future__ import annotations

from rest_framework import serializers

from sales.api.serializers import PaymentOut


class CreditLineOut(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    delta_cents = serializers.IntegerField()
    delta_display = serializers.CharField()


class TopUpPolicyOut(serializers.Serializer):
    enabled = serializers.BooleanField()
    min_cents = serializers.IntegerField()
    max_cents = serializers.IntegerField()
    min_display = serializers.CharField()
    max_display = serializers.CharField()
    bonus_percent = serializers.IntegerField()


class CreditOut(serializers.Serializer):
    balance_cents = serializers.IntegerField()
    balance_display = serializers.CharField()
    history = CreditLineOut(many=True)
    topup = TopUpPolicyOut()


class TopUpIn(serializers.Serializer):
    amount_cents = serializers.IntegerField(min_value=1, max_value=2**62)


class TopUpOut(serializers.Serializer):
    topup_id = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    amount_display = serializers.CharField()
    bonus_cents = serializers.IntegerField()
    bonus_display = serializers.CharField()
    payment = PaymentOut()


class RedeemIn(serializers.Serializer):
    code = serializers.CharField(max_length=64)


class RedeemOut(serializers.Serializer):
    credited_cents = serializers.IntegerField()
    credited_display = serializers.CharField()
    balance_cents = serializers.IntegerField()
    balance_display = serializers.CharField()
