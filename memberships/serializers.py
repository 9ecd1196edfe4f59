"""Bot API shapes of memberships (documented in the OpenAPI schema, fuzzed by schemathesis)."""

from __future__ import annotations

from rest_framework import serializers

from sales.api.serializers import PaymentOut


class SubscribeIn(serializers.Serializer):
    tier_id = serializers.IntegerField(min_value=1, max_value=2**62)
    method = serializers.ChoiceField(choices=["pix", "card"], default="pix")


class SwitchIn(serializers.Serializer):
    tier_id = serializers.IntegerField(min_value=1, max_value=2**62)


class KofiLinkIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    code = serializers.RegexField(r"^[0-9]{6}$", required=False)


class TierOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    price_cents = serializers.IntegerField()
    currency = serializers.CharField()
    price = serializers.CharField(help_text="Formatted in the shop's language")
    period = serializers.CharField()
    period_label = serializers.CharField()
    trial_days = serializers.IntegerField()


class TierListOut(serializers.Serializer):
    tiers = TierOut(many=True)


class MembershipOut(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    method = serializers.CharField()
    tier = TierOut()
    next_tier = TierOut(allow_null=True)
    period_end = serializers.DateTimeField()
    grace_ends_at = serializers.DateTimeField(allow_null=True)


class MembershipStateOut(serializers.Serializer):
    membership = MembershipOut(allow_null=True)
    tiers = TierOut(many=True)


class SubscribeOut(serializers.Serializer):
    membership = MembershipOut()
    payment = PaymentOut(allow_null=True)
    card_url = serializers.CharField(required=False, help_text=(
        "Card: Mercado Pago's page where the buyer authorizes the subscription"))


class SwitchOut(serializers.Serializer):
    membership = MembershipOut()
    applied = serializers.ChoiceField(choices=["now", "pending_payment", "at_period_end"])
    amount_cents = serializers.IntegerField()
    payment = PaymentOut(allow_null=True)


class PayOut(serializers.Serializer):
    payment = PaymentOut()


class KofiLinkOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["code_sent", "linked"])
    applied = serializers.IntegerField()
