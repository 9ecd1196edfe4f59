"""Where the platform may send a request a shop asked for (its fulfillment URL, its SMM panel,
its webhook endpoints): public addresses only (SSRF).

A URL is refused when its host resolves to any private, loopback, link-local, multicast,
reserved or unspecified address (IPv4 and IPv6, IPv4-mapped included), or when it is not
http(s). Callers never follow redirects (a redirect could point inside), and check the URL
right before each request, after DNS resolution. `EGRESS_ALLOW_PRIVATE=1` (tests, `make run`
with the local sandboxes) lets private targets through.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class EgressRefused(ValueError):
    """The target is not a public http(s) address; retrying cannot help."""


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_url(url: str) -> None:
    """Raise EgressRefused unless `url` is http(s) to a host with only public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EgressRefused("only http(s) URLs with a host")
    if getattr(settings, "EGRESS_ALLOW_PRIVATE", False):
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise EgressRefused(f"cannot resolve {parts.hostname}") from exc
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(_public(a) for a in addresses):
        raise EgressRefused(f"{parts.hostname} is not a public address")
