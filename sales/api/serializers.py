"""Bot API payloads: request validation and the documented response shapes."""

from __future__ import annotations

from rest_framework import serializers

from catalog.fields import MAX_ANSWER, MAX_FIELDS
from config.boundaries import INT32_MAX
from payments.models import Refund
from sales.services.carts import MAX_QUANTITY

# ASCII digits only: \d is any Unicode digit. ($ may match before a final newline, but the
# fields trim whitespace first.)
DISCORD_ID_RE = r"^[0-9]{1,20}$"
SNOWFLAKE_RE = r"^[1-9][0-9]{0,19}$"
# The refund's reason column also holds " (bot staff <id>)", appended by the view.
REFUND_REASON_MAX = Refund._meta.get_field("reason").max_length - len(" (bot staff )") - 20


# -- requests ----------------------------------------------------------------------------------
class CustomerUpsertIn(serializers.Serializer):
    discord_user_id = serializers.RegexField(DISCORD_ID_RE)
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                         default="")


class CartAddIn(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1, max_value=2**62)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    answers = serializers.DictField(
        child=serializers.CharField(max_length=MAX_ANSWER, allow_blank=True), required=False,
        default=dict, help_text="Answers to the product's custom fields, by field key "
                                "(the catalog lists them); refused with field_invalid.")

    def validate_answers(self, value: dict) -> dict:
        if len(value) > MAX_FIELDS:
            raise serializers.ValidationError(f"At most {MAX_FIELDS} answers.")
        return value


class CartQuantityIn(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CouponIn(serializers.Serializer):
    code = serializers.CharField(max_length=40)


class CheckoutIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=["pix", "card", "stripe_card"], default="pix")
    expected_total_cents = serializers.IntegerField(required=False, min_value=0,
                                                    max_value=2**62, help_text=(
        "The total the buyer saw; a different server total refuses with price_changed."))
    use_credit = serializers.BooleanField(default=False, help_text=(
        "Pay from the buyer's store credit first; the payment is for the rest (none when the "
        "credit covers the whole total: `payment` is then null). Only in the shop's currency."))
    currency = serializers.ChoiceField(choices=["BRL", "USD", "EUR"], required=False, help_text=(
        "Pay in this currency (default: the shop's). Another one than the shop's is taken by "
        "stripe_card only, and every item needs a price in it (409 currency_not_priced)."))


class PostIn(serializers.Serializer):
    channel_id = serializers.RegexField(DISCORD_ID_RE)
    message_id = serializers.RegexField(DISCORD_ID_RE)


class LinkIn(serializers.Serializer):
    guild_id = serializers.RegexField(SNOWFLAKE_RE)
    staff_role_id = serializers.RegexField(SNOWFLAKE_RE, required=False)
    key = serializers.CharField(max_length=200, help_text=(
        "An active instance key of the same shop, typed by staff in /vincular."))


class ResendIn(serializers.Serializer):
    discord_user_id = serializers.RegexField(DISCORD_ID_RE, help_text=(
        "The buyer who clicked; the order must be theirs, else order_not_found."))


class StaffIn(serializers.Serializer):
    user_id = serializers.RegexField(DISCORD_ID_RE, help_text="The staff member who ran it.")
    guild_id = serializers.RegexField(DISCORD_ID_RE, required=False, default="")
    role_ids = serializers.ListField(child=serializers.RegexField(DISCORD_ID_RE),
                                     max_length=250, required=False, default=list)
    manage_guild = serializers.BooleanField(required=False, default=False, help_text=(
        "Discord's Manage Server permission, as the bot computed it."))


class RefundIn(StaffIn):
    reason = serializers.CharField(max_length=REFUND_REASON_MAX)


class MemberJoinedIn(serializers.Serializer):
    discord_user_id = serializers.RegexField(DISCORD_ID_RE, help_text=(
        "The member who joined the shop's server (the bot's on_member_join)."))


class CartThreadIn(serializers.Serializer):
    thread_id = serializers.RegexField(DISCORD_ID_RE, help_text=(
        "The private thread the bot opened for this buyer's cart."))


class HeartbeatIn(serializers.Serializer):
    version = serializers.CharField(max_length=40, required=False, default="")
    guilds = serializers.IntegerField(min_value=0, max_value=INT32_MAX, required=False,
                                      default=0)
    latency_ms = serializers.IntegerField(min_value=0, max_value=INT32_MAX, required=False,
                                          default=0)


# -- responses ---------------------------------------------------------------------------------
class ErrorDetailOut(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine code, e.g. out_of_stock.")
    message = serializers.CharField(help_text="In the shop's language, ready to show.")
    details = serializers.DictField(required=False)


class ErrorOut(serializers.Serializer):
    error = ErrorDetailOut()


class StockOut(serializers.Serializer):
    available = serializers.IntegerField()
    reserved = serializers.IntegerField()
    sold = serializers.IntegerField()


class PriceOut(serializers.Serializer):
    currency = serializers.CharField()
    amount_cents = serializers.IntegerField(help_text="Integer minor units of `currency`.")
    display = serializers.CharField()


class VariantOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    emoji = serializers.CharField()
    price_cents = serializers.IntegerField()
    price_display = serializers.CharField()
    prices = PriceOut(many=True, help_text=(
        "Its price per currency, the shop's first; others are paid by card via Stripe."))
    duration_days = serializers.IntegerField(allow_null=True)
    fulfillment = serializers.CharField()
    grants_role = serializers.BooleanField()
    in_stock = serializers.BooleanField()
    stock = StockOut(allow_null=True)


class PostOut(serializers.Serializer):
    channel_id = serializers.CharField()
    message_id = serializers.CharField()
    needs_refresh = serializers.BooleanField()


class FieldOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(help_text="text, handle, url, email or number.")
    required = serializers.BooleanField()
    placeholder = serializers.CharField()


class ProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    image_url = serializers.CharField()
    category = serializers.CharField()
    sort_order = serializers.IntegerField()
    channel_id = serializers.CharField()
    variants = VariantOut(many=True)
    posts = PostOut(many=True)
    fields = FieldOut(many=True, help_text="Asked in a modal when the buyer adds the product.")


class CatalogOut(serializers.Serializer):
    currency = serializers.CharField()
    locale = serializers.CharField()
    products = ProductOut(many=True)


class CustomerOut(serializers.Serializer):
    discord_user_id = serializers.CharField()
    display_name = serializers.CharField()
    is_blocked = serializers.BooleanField()
    lifetime_spend_cents = serializers.IntegerField()
    cart_thread_id = serializers.CharField(help_text=(
        "The buyer's cart thread; deliveries go there when their DMs are closed. Empty if "
        "none."))


class CartLineOut(serializers.Serializer):
    variant_id = serializers.IntegerField()
    product_name = serializers.CharField()
    variant_label = serializers.CharField()
    emoji = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price_cents = serializers.IntegerField()
    unit_price_display = serializers.CharField()
    discount_cents = serializers.IntegerField()
    total_cents = serializers.IntegerField()
    total_display = serializers.CharField()


class CheckoutCurrencyOut(serializers.Serializer):
    currency = serializers.CharField()
    total_cents = serializers.IntegerField()
    total_display = serializers.CharField()
    methods = serializers.ListField(child=serializers.CharField())


class CartOut(serializers.Serializer):
    expires_at = serializers.DateTimeField(allow_null=True)
    coupon = serializers.CharField(allow_null=True)
    lines = CartLineOut(many=True)
    subtotal_cents = serializers.IntegerField()
    discount_cents = serializers.IntegerField()
    total_cents = serializers.IntegerField()
    subtotal_display = serializers.CharField()
    discount_display = serializers.CharField()
    total_display = serializers.CharField(help_text=(
        "Amounts as the bot shows them: the shop's currency, the shop's language."))
    payment_methods = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text=("The methods this shop's buyers may check out with, in the shop's order: "
                   "the `method` values of checkout (pix, card, stripe_card)."))
    currencies = CheckoutCurrencyOut(many=True, required=False, help_text=(
        "The currencies this cart may be paid in (the shop's first; another when every item "
        "has a price in it), with the total and the methods taking each."))


class PaymentOut(serializers.Serializer):
    payment_id = serializers.CharField()
    method = serializers.CharField()
    status = serializers.CharField()
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    pix_code = serializers.CharField()
    qr_image_url = serializers.CharField()
    checkout_url = serializers.CharField()
    page_url = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    simulate_url = serializers.CharField(help_text="Set only on the demo's Mercado Pago sandbox")


class OrderLineOut(serializers.Serializer):
    product_name = serializers.CharField()
    variant_label = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price_cents = serializers.IntegerField()
    line_total_cents = serializers.IntegerField()
    line_total_display = serializers.CharField()


class OrderOut(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(help_text="The status, in the shop's language.")
    stage = serializers.ChoiceField(choices=["pending", "delivering", "final"], help_text=(
        "pending: awaiting payment; delivering: paid, deliveries running; final: settled."))
    outcome = serializers.ChoiceField(choices=[
        "pending_payment", "delivering", "delivered", "partially_delivered", "delivery_failed",
        "expired", "cancelled", "refunded", "charged_back"], help_text=(
        "Which message tells the buyer how the order went."))
    tone = serializers.ChoiceField(choices=["brand", "success", "danger"], help_text=(
        "How to colour it: in progress, success or a problem."))
    can_resend = serializers.BooleanField(help_text=(
        "The buyer may ask for the deliveries again (orders/{code}/resend/)."))
    can_refund = serializers.BooleanField(help_text=(
        "Staff may refund it (orders/{code}/refund/): an approved payment with money left."))
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    payment_expires_at = serializers.DateTimeField(allow_null=True)
    coupon_code = serializers.CharField()
    subtotal_cents = serializers.IntegerField()
    discount_cents = serializers.IntegerField()
    total_cents = serializers.IntegerField()
    subtotal_display = serializers.CharField()
    discount_display = serializers.CharField()
    total_display = serializers.CharField()
    credit_applied_cents = serializers.IntegerField()
    credit_applied_display = serializers.CharField()
    lines = OrderLineOut(many=True)
    payment = PaymentOut(allow_null=True)


class OrderListOut(serializers.Serializer):
    orders = OrderOut(many=True)


class CheckoutOut(serializers.Serializer):
    order = OrderOut()
    payment = PaymentOut(allow_null=True)  # null: paid wholly with store credit


class LinkOut(serializers.Serializer):
    guild_id = serializers.CharField()
    staff_role_id = serializers.CharField()
    shop = serializers.CharField()


class HeartbeatOut(serializers.Serializer):
    ok = serializers.BooleanField()
    server_time = serializers.DateTimeField()


class DeliveryActionOut(serializers.Serializer):
    order = serializers.CharField()
    count = serializers.IntegerField(help_text="Deliveries sent again or put back in the queue.")
    message = serializers.CharField(help_text="In the shop's language, ready to show.")


class RefundOut(serializers.Serializer):
    order = serializers.CharField()
    refunded_cents = serializers.IntegerField()
    refunded_display = serializers.CharField(help_text="The amount, formatted for the shop.")
    message = serializers.CharField()


class SettingsOut(serializers.Serializer):
    guild_id = serializers.CharField()
    staff_role_id = serializers.CharField()
    card_enabled = serializers.BooleanField()
    locale = serializers.CharField()
    # The checkout `method` values this shop accepts now: "pix", "card", "stripe_card".
    payment_methods = serializers.ListField(child=serializers.CharField())


class PostWithProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    channel_id = serializers.CharField()
    message_id = serializers.CharField()
    needs_refresh = serializers.BooleanField()
    product = serializers.DictField(allow_null=True, help_text=(
        "The product as in catalog/; null when it is no longer for sale."))


class PostListOut(serializers.Serializer):
    posts = PostWithProductOut(many=True)


class MemberJoinedOut(serializers.Serializer):
    requeued = serializers.IntegerField(help_text=(
        "Role deliveries that had failed because the buyer was not in the server and are now "
        "queued again."))
