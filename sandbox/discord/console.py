"""Buyer console at /console: act as a sandbox user in a guild or DMs.

Read channels and DMs rendered with embeds, images, buttons and selects; run slash commands;
click; fill modals. Plain HTML plus static/console.{js,css} polling the control API (no CDN).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Discord sandbox console</title>
<link rel="stylesheet" href="/console/static/console.css"></head><body>
<div id="side"><h3>Server</h3><select id="guild"></select>
<h3>Acting as</h3><select id="user"></select>
<h3>Channels</h3><div id="channels"></div>
<h3>Slash command</h3><select id="command"></select><div id="options"></div>
<button id="run">Run</button></div>
<div id="main"><div id="log"></div><div id="modal"></div>
<div id="bar"><input id="text" placeholder="Message as this user"><button id="say">Send</button>
</div></div>
<script src="/console/static/console.js"></script></body></html>
"""


async def console_index(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


def setup(app: web.Application) -> None:
    app.router.add_get("/console", console_index)
    app.router.add_get("/", console_index)
    app.router.add_static("/console/static", STATIC)
