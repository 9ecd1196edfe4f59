"""``python -m sandbox.stripe --port 12111 [--host 127.0.0.1] [--webhook URL --secret S]``"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from .app import Endpoint, Notifier, create_app
from .emulator import Emulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.stripe",
                                     description="Stripe API emulator")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--webhook", default="", help="endpoint URL that receives events")
    parser.add_argument("--secret", action="append", default=[],
                        help="endpoint signing secret (repeat while rolling a secret)")
    parser.add_argument("--retry-schedule", default="5,30,120",
                        help="comma-separated webhook retry delays in seconds")
    parser.add_argument("--public-url", default="", help="base URL of the hosted checkout page")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    notifier = Notifier(retry_schedule=[float(x) for x in args.retry_schedule.split(",")
                                        if x.strip()])
    if args.webhook:
        notifier.endpoints.append(Endpoint(url=args.webhook,
                                           secrets=args.secret or ["whsec_sandbox"]))
    logging.getLogger("sandbox.stripe").info("Stripe sandbox listening on http://%s:%s",
                                             args.host, args.port)
    web.run_app(create_app(emulator=Emulator(public_url=args.public_url), notifier=notifier),
                host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
