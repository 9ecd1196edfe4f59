"""PIX "BR Code" (EMV QRCPS-MPM) payload builder.

Builds the copy-and-paste string Mercado Pago returns in
``point_of_interaction.transaction_data.qr_code``: a dynamic PIX code (initiation method 12)
whose merchant account template points at an MP-like location URL, carrying the amount,
merchant name (<=25 chars), city (<=15 chars) and a txid, closed by a CRC16-CCITT-FALSE.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

GUI = "br.gov.bcb.pix"
LOCATION_PREFIX = "pix-qr.mercadopago.com/instore/o/v2/"


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    """One EMV field: 2-digit id, 2-digit length, value (lengths are capped at 99)."""
    if len(value) > 99:
        raise ValueError(f"EMV field {tag} too long ({len(value)} chars)")
    return f"{tag}{len(value):02d}{value}"


def ascii_upper(text: str, limit: int) -> str:
    """BR Code text fields must be plain ASCII; strip accents, keep it short."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(ch for ch in plain.upper() if ch.isalnum() or ch == " ").strip()
    return (cleaned or "NA")[:limit].strip()


def build_pix_payload(
    *,
    amount: Decimal,
    merchant_name: str,
    merchant_city: str,
    txid: str,
    location_id: str,
) -> str:
    """Return the full BR Code including its trailing ``6304XXXX`` CRC field."""
    account = tlv("00", GUI) + tlv("25", LOCATION_PREFIX + location_id)
    txid_clean = "".join(ch for ch in txid if ch.isalnum())[:25] or "***"
    body = (
        tlv("00", "01")
        + tlv("01", "12")  # 12 = dynamic code, valid for a single payment
        + tlv("26", account)
        + tlv("52", "0000")
        + tlv("53", "986")  # BRL
        + tlv("54", f"{amount:.2f}")
        + tlv("58", "BR")
        + tlv("59", ascii_upper(merchant_name, 25))
        + tlv("60", ascii_upper(merchant_city, 15))
        + tlv("62", tlv("05", txid_clean))
        + "6304"
    )
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"
