"""Small promises of the portal's polish: the checklist leaves when done, the variant form knows
which fields belong to which delivery type, the pay page's label follows the payment, and the
message preview renders Markdown as Discord does."""

from __future__ import annotations

from django.urls import reverse

from catalog.markdown import render_discord
from portal.forms_catalog import VariantForm
from runtime.models import BotRuntime, Desired
from tests.sales import factories as f


def test_checklist_leaves_once_every_step_is_done(shop, client_for):
    url = reverse("portal:dashboard", args=[shop.tenant.slug])
    client = client_for(shop.owner)
    assert b'data-testid="checklist"' in client.get(url).content
    f.product(shop.tenant)
    runtime, _ = BotRuntime.objects.get_or_create(tenant=shop.tenant)
    runtime.discord_token = "token-for-the-test"
    runtime.desired_state = Desired.RUNNING
    runtime.save()
    page = client.get(url)
    assert all(step.done for step in page.context["steps"])
    assert b'data-testid="checklist"' not in page.content


def test_variant_form_marks_the_fields_of_each_delivery_type():
    form = VariantForm()
    shown = {name: field.widget.attrs.get("data-show-for")
             for name, field in form.fields.items()}
    assert shown["content"] == "content"
    assert shown["external_url"] == shown["external_secret"] == "external"
    assert shown["low_stock_threshold"] == "stock"
    assert shown["label"] is None and shown["price"] is None  # always shown


def test_preview_renders_discord_markdown_and_escapes_html():
    html = render_discord("**bold** *it* __under__ ~~gone~~ ||secret|| <b>x</b>\n> quote")
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<u>under</u>" in html and "<del>gone</del>" in html
    assert '<span class="spoiler">secret</span>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<blockquote>" in html
    assert "**" not in html
