"""Shared fixtures. Every server here binds 127.0.0.1 and stops at fixture teardown.

- ``content_model``: mappings/content-model.toml, loaded once.
- ``emulator``: a running ButterCMS emulator (that model, delay 0, tokens ``w-token`` and
  ``r-token``); ``emulator.base_url``, ``emulator.state()``, ``await emulator.settle()``.
- ``make_emulator(**config)``: more emulators with any ``EmulatorConfig`` options, e.g.
  ``await make_emulator(delay=0.2, faults=Faults(error_rate=0.5), duplicate_slugs="overwrite")``.
  ``make_emulator(realistic=True, **config)`` is as harsh as Butter (every ``Realism`` switch
  on) on a test's time scale: ``TEST_REALISM``, i.e. ``Realism.realistic()`` with apply
  delays drawn from 0.2-1.5 s (Butter: 2-30 s) and a 3 s read cache (Butter: 300 s); one
  switch at a time with ``make_emulator(realism=Realism(late_deletes=True))``.
  The test media servers are on 127.0.0.1, so these emulators allow media from there
  (``media_allow_hosts=LOCAL_MEDIA``); ``make_emulator(media_allow_hosts=())`` refuses it,
  as by default.
- ``scaled_realism``: that ``TEST_REALISM``, to derive from (``dataclasses.replace``).
- ``media_server``: serves distinct PNG payloads at ``/img/<name>.png`` (404 elsewhere) and
  lists the paths it was asked for; ``media_server.url_for("red")``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from migrator.emulator import Emulator, EmulatorConfig, Realism, run_emulator
from migrator.emulator.media import sample_png
from migrator.emulator.serve import serve_app
from migrator.model import ContentModel, load_content_model

ROOT = Path(__file__).resolve().parent.parent
CONTENT_MODEL = ROOT / "mappings" / "content-model.toml"


@pytest.fixture(autouse=True)
def _state_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs keep their default state (``.migrator/<target>/``) in the test's own folder,
    subprocesses included (they inherit the environment)."""
    monkeypatch.setenv("MIGRATOR_STATE", str(tmp_path / "state"))


@pytest.fixture(autouse=True)
def _reset_structlog():
    import structlog

    yield
    structlog.reset_defaults()


@pytest.fixture
def anyio_backend():
    # aiohttp runs on asyncio only.
    return "asyncio"


@pytest.fixture(scope="session")
def content_model() -> ContentModel:
    return load_content_model(CONTENT_MODEL)


MakeEmulator = Callable[..., Awaitable[Emulator]]
# Realism.realistic() scaled for tests: every harsh switch on, delays and TTL short.
TEST_REALISM = Realism.realistic(apply_delay=(0.2, 1.5), read_cache_ttl=3.0)
# The media servers of the tests listen on 127.0.0.1: allowed by name, nothing more.
LOCAL_MEDIA = ("127.0.0.1",)


@pytest.fixture
def scaled_realism() -> Realism:
    return TEST_REALISM


@pytest.fixture
async def make_emulator(content_model: ContentModel) -> AsyncIterator[MakeEmulator]:
    async with contextlib.AsyncExitStack() as stack:

        async def make(*, realistic: bool = False, **options: Any) -> Emulator:
            options.setdefault("model", content_model)
            options.setdefault("media_allow_hosts", LOCAL_MEDIA)
            if realistic:
                options.setdefault("realism", TEST_REALISM)
            return await stack.enter_async_context(run_emulator(EmulatorConfig(**options)))

        yield make


@pytest.fixture
async def emulator(make_emulator: MakeEmulator) -> Emulator:
    return await make_emulator()


# "red-copy" has red's bytes under another URL: the media library must store it once.
MEDIA_IMAGES = {
    "red": sample_png(255, 0, 0),
    "red-copy": sample_png(255, 0, 0),
    "green": sample_png(0, 255, 0),
    "blue": sample_png(0, 0, 255),
}


@dataclass
class MediaServer:
    url: str
    images: dict[str, bytes]
    requests: list[str] = field(default_factory=list)

    def url_for(self, name: str) -> str:
        return f"{self.url}/img/{name}.png"


@pytest.fixture
async def media_server() -> AsyncIterator[MediaServer]:
    server = MediaServer(url="", images=dict(MEDIA_IMAGES))

    async def image(request: web.Request) -> web.Response:
        server.requests.append(request.path)
        body = server.images.get(request.match_info["name"])
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body, content_type="image/png")

    async def anything_else(request: web.Request) -> web.Response:
        server.requests.append(request.path)
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/img/{name}.png", image)
    app.router.add_route("*", "/{tail:.*}", anything_else)
    async with serve_app(app) as url:
        server.url = url
        yield server


@pytest.fixture
async def mirror() -> AsyncIterator[tuple[str, list[str]]]:
    """A stand-in for an old site's uploads on 127.0.0.1: a PNG at every path (WordPress
    mappings point ``media_host`` at it, so no test asks a host on the internet)."""
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


# --- how often a test's code opens a file (an export read once, or twice) ----------

_WATCHED: list[tuple[str, list[str]]] = []  # (path, its opens) while a test watches


def _on_audit(event: str, args: tuple) -> None:
    if event == "open" and _WATCHED and isinstance(args[0], str | bytes | os.PathLike):
        opened = os.fsdecode(args[0])
        for path, opens in _WATCHED:
            if opened == path:
                opens.append(opened)


sys.addaudithook(_on_audit)  # audit hooks cannot be removed: it only counts while watched


@contextlib.contextmanager
def opens_of(path: Path) -> Iterator[list[str]]:
    """Each time the process opens ``path`` while in the block."""
    watch = (str(path), [])
    _WATCHED.append(watch)
    try:
        yield watch[1]
    finally:
        _WATCHED.remove(watch)
