"""aiohttp application factory wiring REST, gateway, OAuth2, control API and console."""

from __future__ import annotations

from aiohttp import web

from sandbox.discord import console, control, oauth, rest_channels, rest_core, rest_interactions
from sandbox.discord.gateway import GatewayHandler
from sandbox.discord.ratelimits import RateLimiter, make_middleware
from sandbox.discord.routing import STATE_KEY
from sandbox.discord.state import SandboxState
from sandbox.discord.validation import record_exchanges, spec_guard


def build_app(state: SandboxState | None = None) -> web.Application:
    state = state or SandboxState()
    limiter = RateLimiter()
    # Outermost first: record every answer, render errors and rate limits, check the spec.
    middlewares = [record_exchanges, make_middleware(limiter), spec_guard]
    app = web.Application(middlewares=middlewares, client_max_size=64 * 1024**2)
    app[STATE_KEY] = state
    app[control.LIMITER_KEY] = limiter
    # Order matters: literal paths like /users/@me/guilds register before /users/{user_id}.
    oauth.setup(app)
    rest_core.setup(app)
    rest_channels.setup(app)
    rest_interactions.setup(app)
    app.router.add_routes(control.routes)
    console.setup(app)
    gateway = GatewayHandler(state)

    async def gateway_endpoint(request: web.Request) -> web.StreamResponse:
        return await gateway(request)

    app.router.add_get("/gateway", gateway_endpoint)
    app.router.add_get("/gateway/", gateway_endpoint)
    return app
