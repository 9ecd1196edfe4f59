"""Browser pages: the PIX ticket page and the Checkout Pro hosted checkout.

They stand in for mercadopago.com.br pages so a person (or a test posting the same form)
can finish a payment end to end without leaving 127.0.0.1.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from . import checkout
from .httputil import emulator
from .payments import CARD_OUTCOMES

routes = web.RouteTableDef()

STYLE = """<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
.box{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}
code,textarea{word-break:break-all;width:100%}button{padding:.6rem 1.2rem;font-size:1rem}
.tag{background:#ffe600;padding:.1rem .4rem;border-radius:4px}</style>"""


def page(title: str, body: str, status: int = 200) -> web.Response:
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"{STYLE}</head><body><p class='tag'>Mercado Pago sandbox</p>{body}</body></html>"
    )
    return web.Response(text=html, content_type="text/html", status=status)


@routes.get("/payments/{id}/ticket")
async def pix_ticket(request: web.Request) -> web.Response:
    """PIX payment page: QR image, copy-and-paste code and a 'simulate payment' button."""
    payment = emulator(request).payment(request.match_info["id"])
    data = payment["point_of_interaction"].get("transaction_data") or {}
    pay_button = ""
    if payment["status"] == "pending":
        pay_button = (
            f"<form method='post' action='/payments/{payment['id']}/ticket/pay'>"
            "<button>Simulate PIX payment (approve)</button></form>"
        )
    return page(
        f"PIX {payment['id']}",
        f"""
<h1>PIX R$ {payment["transaction_amount"]:.2f}</h1>
<p>{escape(str(payment.get("description") or ""))}</p>
<p>Status: <b>{payment["status"]}</b> / {payment["status_detail"]}</p>
<div class='box'><img alt='PIX QR code'
 src='data:image/png;base64,{data.get("qr_code_base64", "")}'>
<p>Pix copia e cola:</p><textarea rows='4' readonly>{escape(data.get("qr_code", ""))}</textarea>
</div>{pay_button}""",
    )


@routes.post("/payments/{id}/ticket/pay")
async def pix_ticket_pay(request: web.Request) -> web.Response:
    emu = emulator(request)
    payment = emu.approve(request.match_info["id"])
    raise web.HTTPSeeOther(f"/payments/{payment['id']}/ticket")


@routes.get("/checkout/v1/redirect")
async def checkout_page(request: web.Request) -> web.Response:
    """Checkout Pro hosted page: pick a test card outcome and pay."""
    emu = emulator(request)
    pref_id = request.query.get("pref_id", "")
    preference = checkout.get_preference(emu, pref_id)
    items = "".join(
        f"<li>{escape(str(i.get('title', 'item')))} x {i['quantity']}: "
        f"R$ {i['unit_price']:.2f}</li>"
        for i in preference["items"]
    )
    options = "".join(
        f"<label><input type='radio' name='card' value='{code}'"
        f"{' checked' if code == 'APRO' else ''}> {code}: {status} / {detail}</label><br>"
        for code, (status, detail) in CARD_OUTCOMES.items()
    )
    return page(
        "Checkout",
        f"""
<h1>Pagar R$ {checkout.total(preference):.2f}</h1><ul>{items}</ul>
<form method='post' action='/checkout/v1/pay' class='box'>
<input type='hidden' name='pref_id' value='{escape(pref_id)}'>
<p><label>E-mail <input name='email' value='test_user_buyer@testuser.com'></label></p>
<p><label>Card <select name='payment_method_id'><option>visa</option><option>master</option>
<option>elo</option></select></label></p>
<p>Test cardholder name (decides the outcome):</p>{options}
<p><button>Pay</button></p></form>""",
    )


@routes.post("/checkout/v1/pay")
async def checkout_pay(request: web.Request) -> web.Response:
    """The hosted form's submit: creates the payment and redirects to the back_url."""
    form = await request.post()
    card = str(form.get("card") or "APRO").upper()
    _, target = checkout.pay_preference(
        emulator(request),
        str(form.get("pref_id") or ""),
        card if card in CARD_OUTCOMES else "APRO",
        str(form.get("email") or "test_user_buyer@testuser.com"),
        str(form.get("payment_method_id") or "visa"),
    )
    raise web.HTTPFound(target)


@routes.get("/checkout/v1/result")
async def checkout_result(request: web.Request) -> web.Response:
    """Landing page when the preference had no back_url for the outcome."""
    rows = "".join(f"<li>{escape(k)} = {escape(v)}</li>" for k, v in request.query.items())
    return page(
        "Checkout result",
        f"<h1>Payment {escape(request.query.get('status', ''))}</h1><ul>{rows}</ul>",
    )
