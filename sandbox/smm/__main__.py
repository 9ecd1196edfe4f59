"""``python -m sandbox.smm --port 12200 [--host 127.0.0.1] [--key KEY]``: the SMM panel
emulator; shops set ``http://HOST:PORT/api/v2`` and the key as their panel."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from .app import create_app
from .emulator import Emulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.smm",
                                     description="SMM panel API (v2) emulator")
    parser.add_argument("--port", type=int, default=12200)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--key", default="smm-sandbox-key", help="the API key it accepts")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("sandbox.smm").info("SMM panel sandbox on http://%s:%s/api/v2",
                                          args.host, args.port)
    web.run_app(create_app(emulator=Emulator(api_key=args.key)), host=args.host,
                port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
