"""aiohttp application factory for the Mercado Pago emulator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from . import api, control, oauth, pages
from .emulator import Emulator
from .errors import MPError
from .httputil import EMULATOR, json_response
from .store import SandboxConfig

log = logging.getLogger("sandbox.mercadopago")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def mp_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every failure as MP's JSON error: the SDK chokes on non-JSON bodies."""
    try:
        return await handler(request)
    except MPError as exc:
        return json_response(exc.to_dict(), exc.status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects from the hosted pages
        error = MPError(exc.status, exc.reason.lower() if exc.reason else "error")
        return json_response(error.to_dict(), exc.status)
    except Exception:  # the emulator must always answer in MP's shape
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_response(MPError(500, "internal_error").to_dict(), 500)


async def _expiry_sweeper(emu: Emulator) -> None:
    """Expire PIX payments in the background too, so their webhooks go out unprompted."""
    while True:
        await asyncio.sleep(emu.config.expiry_sweep_interval)
        emu.expire_due()


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    emu = app[EMULATOR]
    await emu.notifier.start()
    sweeper = asyncio.get_running_loop().create_task(_expiry_sweeper(emu))
    yield
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await emu.notifier.close()


def create_app(
    config: SandboxConfig | None = None, emulator: Emulator | None = None
) -> web.Application:
    app = web.Application(middlewares=[mp_errors])
    app[EMULATOR] = emulator or Emulator(config)
    app.add_routes(api.routes)
    app.add_routes(pages.routes)
    app.add_routes(control.routes)
    app.add_routes(oauth.routes)
    app.cleanup_ctx.append(_lifecycle)
    return app
