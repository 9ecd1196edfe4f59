"""SSRF: URLs a shop gives us (fulfillment, SMM panel, webhooks) must resolve to public
addresses only, unless EGRESS_ALLOW_PRIVATE is on (as the rest of the suite runs)."""

from __future__ import annotations

import pytest

from config.egress import EgressRefused, check_url

REFUSED = [
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.1.2.3/",
    "http://172.16.0.9/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/", "http://0.0.0.0/",
    "http://224.0.0.1/", "http://100.64.0.1/", "ftp://93.184.216.34/", "file:///etc/passwd",
    "http:///nohost",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_link_local_and_odd_targets_are_refused(settings, url):
    settings.EGRESS_ALLOW_PRIVATE = False
    with pytest.raises(EgressRefused):
        check_url(url)


def test_public_addresses_pass(settings):
    settings.EGRESS_ALLOW_PRIVATE = False
    check_url("https://93.184.216.34/hook")  # a literal: no DNS, no traffic
    check_url("http://[2606:4700:4700::1111]/")


def test_the_setting_lets_local_targets_through(settings):
    settings.EGRESS_ALLOW_PRIVATE = True
    check_url("http://127.0.0.1:9/hook")
    with pytest.raises(EgressRefused):
        check_url("ftp://127.0.0.1/")  # the scheme is still checked


@pytest.fixture
def listener():
    """A local HTTP server that counts what reaches it."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    got: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(self.path)
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/inside")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", got
    server.shutdown()
    server.server_close()


def test_the_address_actually_connected_to_is_checked_too(settings, listener):
    """DNS rebinding: a name may resolve to a public address for check_url and to a private
    one a moment later for the connect. post() checks the socket's peer, whatever was asked."""
    from config import egress

    url, got = listener
    settings.EGRESS_ALLOW_PRIVATE = False
    for target in (f"{url}/hook", url.replace("127.0.0.1", "localhost") + "/hook"):
        with pytest.raises(EgressRefused, match="not a public address"):
            egress.post(target, data=b"{}", timeout=5)
    assert got == []  # refused before a byte was sent
    settings.EGRESS_ALLOW_PRIVATE = True
    response = egress.post(f"{url}/hook", data=b"{}", timeout=5)
    assert response.status_code == 302 and got == ["/hook"]  # the redirect is not followed
