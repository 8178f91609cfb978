"""Serve an aiohttp app on a local port for as long as a block runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from aiohttp import web

from migrator.log import get_logger

log = get_logger("migrator.serve")


class _QuotesNothing(web.RequestHandler):
    """aiohttp's request handler, except that a malformed request's 4xx answer quotes
    nothing of the request: aiohttp's own repeats the start of an over-long header line
    (``Token <the token>...``) in the answer body and in a logged traceback."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:
            return super().handle_error(request, status, exc, message)
        log.warning("malformed request refused", status=status, error=type(exc).__name__)
        phrase = HTTPStatus(status).phrase
        resp = web.Response(
            status=status,
            text=f"{status} {phrase}: the request line or a header is malformed or too long",
        )
        resp.force_close()
        return resp


@asynccontextmanager
async def serve_app(
    app: web.Application, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Yield the app's root URL (``port=0`` picks a free port); stop serving on exit."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    server = runner.server
    assert server is not None  # set up above
    loop = asyncio.get_running_loop()
    # Our own listening socket (not a web.TCPSite) so each connection gets _QuotesNothing.
    listening = await loop.create_server(
        # access_log=None: no access log (aiohttp's web.AppRunner takes the same None).
        lambda: _QuotesNothing(server, loop=loop, access_log=None),  # type: ignore[arg-type]
        host,
        port,
    )
    try:
        bound_host, bound_port = listening.sockets[0].getsockname()[:2]
        yield f"http://{bound_host}:{bound_port}"
    finally:
        listening.close()
        await runner.cleanup()  # closes the open connections
        await listening.wait_closed()
