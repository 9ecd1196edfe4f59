"""BR Code generator and parser, against published vectors and the sandbox's own encoder."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments import pix
from sandbox.mercadopago.brcode import build_pix_payload

# BCB "Manual de Padrões para Iniciação do Pix", static code example (CRC 1D3D).
BCB_EXAMPLE = ("00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
               "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D")


def test_crc16_ccitt_false_check_value():
    # The catalogue check value of CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740).
    assert pix.crc16_ccitt_false(b"123456789") == 0x29B1


def test_bcb_published_vector_round_trips():
    assert pix.build(key="123e4567-e12b-12d1-a456-426655440000", name="Fulano de Tal",
                     city="BRASILIA") == BCB_EXAMPLE
    parsed = pix.parse(BCB_EXAMPLE)
    assert parsed.key == "123e4567-e12b-12d1-a456-426655440000"
    assert (parsed.name, parsed.city, parsed.txid, parsed.amount_cents) == (
        "Fulano de Tal", "BRASILIA", "***", None)


def test_crc_is_zero_padded_to_four_hex_digits():
    # Search a payload whose CRC is below 0x1000: it must still print as four digits.
    for cents in range(1, 5000):
        code = pix.build(key="a@b.co", name="Loja", city="Recife", amount_cents=cents)
        if int(code[-4:], 16) < 0x1000:
            assert code[-4:].startswith("0") and len(code[-4:]) == 4
            pix.parse(code)
            return
    pytest.fail("no small CRC found")


def test_amount_name_city_and_txid_rules():
    code = pix.build(key="+5511999998888", name="Açaí & Café do João da Silva Ltda",
                     city="São José dos Campos", amount_cents=123456, txid="Pedido42")
    parsed = pix.parse(code)
    assert parsed.amount_cents == 123456 and parsed.fields["54"] == "1234.56"
    assert parsed.name == "Acai & Cafe do Joao da Sil"[:25] and len(parsed.name) <= 25
    assert parsed.city == "Sao Jose dos Ca" and len(parsed.city) <= 15
    assert parsed.txid == "Pedido42"
    with pytest.raises(pix.PixError):
        pix.build(key="k", name="n", city="c", txid="with space")
    with pytest.raises(pix.PixError):
        pix.build(key="k", name="n", city="c", txid="x" * 26)
    with pytest.raises(pix.PixError):
        pix.build(key="k", name="n", city="c", amount_cents=0)


def test_parser_rejects_bad_crc_and_garbage():
    with pytest.raises(pix.PixError):
        pix.parse(BCB_EXAMPLE[:-4] + "1D3E")
    with pytest.raises(pix.PixError):
        pix.parse(BCB_EXAMPLE.replace("Fulano", "Fulana"))
    for junk in ("", "hello", "6304ABCD", "0002016304" + "0000"):
        with pytest.raises(pix.PixError):
            pix.parse(junk)


def test_agrees_with_the_sandbox_encoder():
    # An independent implementation (the emulator's) must produce codes our parser accepts.
    code = build_pix_payload(amount=Decimal("19.90"), merchant_name="LOJA",
                             merchant_city="SAO PAULO", txid="ABC123", location_id="abc")
    parsed = pix.parse(code)
    assert parsed.amount_cents == 1990 and parsed.url.endswith("abc")


@given(cents=st.integers(min_value=1, max_value=10**10 - 1),
       name=st.text(min_size=1, max_size=40).filter(lambda s: pix.ascii_text(s, 25)),
       city=st.text(min_size=1, max_size=30).filter(lambda s: pix.ascii_text(s, 15)),
       txid=st.from_regex(r"[A-Za-z0-9]{1,25}", fullmatch=True))
def test_any_built_code_parses_back(cents, name, city, txid):
    code = pix.build(key="12345678900", name=name, city=city, amount_cents=cents, txid=txid)
    parsed = pix.parse(code)
    assert parsed.amount_cents == cents and parsed.txid == txid
    assert len(parsed.name) <= 25 and len(parsed.city) <= 15 and code.isascii()
