"""`python -m sandbox.discord --port 8600 [--host 127.0.0.1] [--demo]`"""

from __future__ import annotations

import argparse
import json
import logging

from aiohttp import web

from sandbox.discord.app import build_app
from sandbox.discord.demo import seed_demo
from sandbox.discord.state import SandboxState

log = logging.getLogger("sandbox.discord")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.discord", description="Discord API/Gateway/OAuth2 emulator"
    )
    parser.add_argument("--port", type=int, default=8600)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--demo", action="store_true", help="seed a demo app, guild and users")
    parser.add_argument("--heartbeat-ms", type=int, default=41250)
    parser.add_argument("--redirect-uri", action="append", default=[],
                        help="extra OAuth2 redirect URI for the demo application (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    state = SandboxState(args.heartbeat_ms)
    if args.demo:
        log.info("demo data: %s", json.dumps(seed_demo(state, args.redirect_uri)))
    url = f"http://{args.host}:{args.port}"
    log.info(
        "Discord sandbox on %s (REST %s/api/v10, gateway %s/gateway, console %s/console)",
        url,
        url,
        url.replace("http://", "ws://"),
        url,
    )
    web.run_app(build_app(state), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
