"""``python -m sandbox.mercadopago --port 8765 [--host 127.0.0.1]``"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from .app import create_app
from .store import DEFAULT_WEBHOOK_SECRET, SandboxConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.mercadopago", description="Mercado Pago API emulator"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--webhook-secret",
        default=DEFAULT_WEBHOOK_SECRET,
        help="default webhook secret for accounts registered without one",
    )
    parser.add_argument(
        "--retry-schedule",
        default="5,15,60",
        help="comma-separated webhook retry delays in seconds",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="base URL for ticket/checkout links (default: request origin)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = SandboxConfig(
        default_webhook_secret=args.webhook_secret,
        retry_schedule=[float(x) for x in args.retry_schedule.split(",") if x.strip()],
        public_url=args.public_url,
    )
    url = f"http://{args.host}:{args.port}"
    logging.getLogger("sandbox.mercadopago").info(
        "Mercado Pago sandbox listening on %s (control API: %s/_sandbox/)", url, url
    )
    web.run_app(create_app(config), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
