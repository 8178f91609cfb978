"""WordPress tests: a stand-in for the old site's uploads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from migrator.emulator.media import sample_png


@pytest.fixture
async def mirror() -> AsyncIterator[tuple[str, list[str]]]:
    """A stand-in for the old site's uploads: a PNG at every path."""
    requests: list[str] = []
    png = sample_png(10, 20, 30)

    async def any_file(request: web.Request) -> web.Response:
        requests.append(request.path)
        return web.Response(body=png, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{tail:.*}", any_file)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}", requests
    finally:
        await runner.cleanup()
