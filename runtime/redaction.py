"""Redact a bot's log before it is stored or shown.

A bot's log is written by code we do not fully control (discord.py, aiohttp, the owner's own
mistakes), so it is scrubbed twice: the bot's own secrets by value (its Discord token and its
instance token, whatever their shape), then anything that looks like a token by pattern (the
platform-wide patterns of `config.logging`, plus `key=value` / `"key": "value"` pairs whose key
names a secret).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from config.logging import REDACTED, scrub

# token=abc, "token": "abc", Authorization: Basic abc, password = abc ...
_SECRET_PAIR = re.compile(
    r"""(?ix)
    (?P<key>["']?[\w.-]*(?:token|secret|password|passwd|authorization|api[_-]?key|
                          credential|cookie|signature)[\w.-]*["']?)
    (?P<sep>\s*[:=]\s*)
    (?P<value>"[^"]*"|'[^']*'|(?:basic|bearer)\s+\S+|[^\s,;&]+)
    """)
# Long opaque strings (40+ letters, digits, "_" or "-", both letters and digits): keys, JWT
# parts, hashes of secrets; a row of dashes or a dotted path is left alone.
_OPAQUE = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{40,}")
_MIN_SECRET = 8  # shorter "secrets" would blank out ordinary words


def _pair(match: re.Match) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in "\"'" else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{REDACTED}{quote}"


def redact(text: str, *, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secrets and anything token-like replaced by "[redacted]"."""
    for secret in sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len,
                         reverse=True):
        text = text.replace(secret, REDACTED)
    text = scrub(text)
    text = _SECRET_PAIR.sub(_pair, text)
    return _OPAQUE.sub(REDACTED, text)
