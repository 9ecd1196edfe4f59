"""PIX BR Code: static EMV QRCPS-MPM payloads (BCB "Manual de Padrões para Iniciação do Pix").

`build` makes the copy-and-paste code a buyer's bank app reads for the manual PIX method;
`parse` reads one back and checks its CRC, which is also how we vet the codes Mercado Pago
returns before showing them. QR images come from segno (payments.views.qr).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

GUI = "br.gov.bcb.pix"
NAME_MAX, CITY_MAX, TXID_MAX, KEY_MAX = 25, 15, 25, 77
_TXID_RE = re.compile(r"^[A-Za-z0-9]{1,25}$")


class PixError(ValueError):
    """A code or a field that the BR Code rules refuse."""


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise PixError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def ascii_text(text: str, limit: int) -> str:
    """Accents stripped (São Paulo -> Sao Paulo), printable ASCII only, cut to `limit`."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"[^\x20-\x7E]", "", plain)
    return " ".join(plain.split())[:limit].strip()


def format_amount(cents: int) -> str:
    if cents <= 0:
        raise PixError("the amount must be positive")
    return f"{cents // 100}.{cents % 100:02d}"


def build(*, key: str, name: str, city: str, amount_cents: int | None = None,
          txid: str = "***", description: str = "", unique: bool = False) -> str:
    """A static BR Code. `txid` is 1-25 letters and digits, or "***" for none."""
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        raise PixError("the PIX key is empty or too long")
    if txid != "***" and not _TXID_RE.match(txid):
        raise PixError("txid must be 1 to 25 letters and digits")
    merchant_name, merchant_city = ascii_text(name, NAME_MAX), ascii_text(city, CITY_MAX)
    if not merchant_name or not merchant_city:
        raise PixError("merchant name and city are required")
    account = _tlv("00", GUI) + _tlv("01", key)
    if description:
        account += _tlv("02", ascii_text(description, 99 - len(account) - 4))
    payload = _tlv("00", "01")
    if unique:
        payload += _tlv("01", "12")
    payload += _tlv("26", account) + _tlv("52", "0000") + _tlv("53", "986")
    if amount_cents is not None:
        payload += _tlv("54", format_amount(amount_cents))
    payload += _tlv("58", "BR") + _tlv("59", merchant_name) + _tlv("60", merchant_city)
    payload += _tlv("62", _tlv("05", txid)) + "6304"
    return payload + f"{crc16_ccitt_false(payload.encode('ascii')):04X}"


@dataclass(frozen=True)
class BRCode:
    fields: dict[str, str]
    key: str
    url: str
    amount_cents: int | None
    name: str
    city: str
    txid: str


def _read_tlv(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        tag, size = text[pos:pos + 2], text[pos + 2:pos + 4]
        if len(size) < 2 or not (tag + size).isascii() or not (tag + size).isdigit():
            raise PixError(f"malformed field at position {pos}")
        value = text[pos + 4:pos + 4 + int(size)]
        if len(value) != int(size):
            raise PixError(f"field {tag} is truncated")
        fields[tag] = value
        pos += 4 + int(size)
    return fields


def parse(code: str) -> BRCode:
    """Read a BR Code; raises PixError when its structure or CRC is wrong."""
    code = code.strip()
    if not code.isascii() or len(code) < 8 or code[-8:-4] != "6304":
        raise PixError("the code does not end with a CRC field")
    expected = f"{crc16_ccitt_false(code[:-4].encode('ascii')):04X}"
    if code[-4:].upper() != expected:
        raise PixError("the CRC does not match")
    fields = _read_tlv(code)
    if fields.get("00") != "01":
        raise PixError("not an EMV QRCPS-MPM payload")
    account = _read_tlv(fields.get("26", ""))
    if account.get("00", "").lower() != GUI:
        raise PixError("not a PIX code")
    extra = _read_tlv(fields.get("62", "")) if "62" in fields else {}
    amount = fields.get("54")
    return BRCode(fields=fields, key=account.get("01", ""), url=account.get("25", ""),
                  amount_cents=_amount_cents(amount) if amount else None,
                  name=fields.get("59", ""), city=fields.get("60", ""),
                  txid=extra.get("05", ""))


def _amount_cents(text: str) -> int:
    if not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", text):
        raise PixError("the amount is malformed")
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])
