"""Where the platform may send a request a shop asked for (its fulfillment URL, its SMM panel,
its webhook endpoints): public addresses only (SSRF).

A URL is refused when its host resolves to any private, loopback, link-local, multicast,
reserved or unspecified address (IPv4 and IPv6, IPv4-mapped included), or when it is not
http(s). Callers check the URL right before each request, after DNS resolution, and send it
with `post()`, which never follows redirects (a redirect could point inside), ignores proxy
settings from the environment, and checks the address each connection actually reached: a
name that resolved to a public address for the check and to a private one for the connect
(DNS rebinding) is refused before a byte is sent. `EGRESS_ALLOW_PRIVATE=1` (tests, `make run`
with the local sandboxes) lets private targets through.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


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


def _check_peer(sock: socket.socket) -> None:
    if getattr(settings, "EGRESS_ALLOW_PRIVATE", False):
        return
    address = sock.getpeername()[0]
    if not _public(address):
        sock.close()
        raise EgressRefused(f"connected to {address}, not a public address")


class _PeerCheckedHTTP(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock)
        return sock


class _PeerCheckedHTTPS(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # TLS starts on this socket only once it passed
        _check_peer(sock)
        return sock


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _PeerCheckedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PeerCheckedHTTPS


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def post(url: str, **kwargs: Any) -> requests.Response:
    """requests.post to a shop's URL: no redirects, no proxies from the environment, and
    EgressRefused when the connection reached a non-public address. Call check_url first."""
    with requests.Session() as session:
        session.trust_env = False
        session.mount("http://", _Adapter())
        session.mount("https://", _Adapter())
        return session.post(url, allow_redirects=False, **kwargs)
