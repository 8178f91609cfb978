"""The emulator's HTTP server: routes, request log, trailing-slash redirect and token checks,
and ``run_emulator``, the context manager that starts and stops all of it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from migrator.emulator.apply import Applier
from migrator.emulator.blog import BlogHandlers
from migrator.emulator.cache import ReadCache
from migrator.emulator.config import EmulatorConfig, Faults
from migrator.emulator.faults import ConnectionDropped, FaultInjector, Handler
from migrator.emulator.media import MediaLibrary, sample_png
from migrator.emulator.reads import ReadHandlers
from migrator.emulator.serve import serve_app
from migrator.emulator.state import SavedState, state_document, summary, write_state
from migrator.emulator.store import Store
from migrator.emulator.webhooks import Webhooks
from migrator.emulator.worker import Delays, Worker
from migrator.emulator.writes import WriteHandlers
from migrator.errors import ConfigError
from migrator.log import get_logger

log = get_logger("migrator.emulator")
NOT_PROVIDED = {"detail": "Authentication credentials were not provided"}
INVALID_TOKEN = {"detail": "Invalid token."}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DRF_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _allow(methods: str) -> str:
    """aiohttp's ``GET,HEAD`` in DRF's order and spelling (recorded: ``GET, HEAD, OPTIONS``;
    OPTIONS is left out, as the emulator does not answer it)."""
    given = {m.strip() for m in methods.split(",")}
    return ", ".join(m for m in DRF_METHOD_ORDER if m in given)


def _unauthorized(body: dict[str, str]) -> web.Response:
    # DRF's TokenAuthentication sends the challenge header with every 401.
    return web.json_response(body, status=401, headers={"WWW-Authenticate": "Token"})


class Emulator:
    """A running emulator: its URL, its state, and its faults (mutable while it runs)."""

    def __init__(
        self,
        config: EmulatorConfig,
        session: aiohttp.ClientSession,
        media_session: aiohttp.ClientSession,
        saved: SavedState | None = None,
        state_file: Path | None = None,
    ):
        self.config = config
        self.store = saved.store if saved is not None else Store()
        # Where save() writes (POST /_emulator/save, and the end of run_emulator).
        self.state_file = state_file
        self._saving = asyncio.Lock()
        self.last_saved: dict[str, int] | None = None  # what the last save() held
        # A copy, so switching a fault on in one test never leaks into a shared config.
        self.faults: Faults = replace(config.faults, caps=dict(config.faults.caps))
        self.injector = FaultInjector(self.faults, config.seed, self.store)
        self.webhooks = Webhooks(config.webhooks, session, self.store)
        media = MediaLibrary(
            self.store,
            media_session,
            config.media_policy,
            max_bytes=config.media_max_bytes,
            timeout=config.media_timeout,
        )
        realism = config.realism
        applier = Applier(
            config.model, self.store, media, self.webhooks, config.duplicate_slugs, realism
        )
        delays = Delays(config.delay, realism.apply_delay, config.seed)
        self.worker = Worker(applier, self.store, self.webhooks, delays)
        self.cache = ReadCache(realism, self.store)
        self.url = ""  # set once the socket is bound

    @property
    def base_url(self) -> str:
        """What ``BUTTER_API_BASE`` takes, e.g. ``http://127.0.0.1:8700/v2``."""
        return f"{self.url}/v2"

    def state(self) -> dict[str, Any]:
        return self.store.snapshot(pending=self.worker.pending_jobs())

    async def save(self) -> dict[str, int]:
        """Write the state to ``state_file`` whole; what it holds, counted."""
        assert self.state_file is not None
        document = state_document(self)  # taken at once: a consistent state
        async with self._saving:  # one save at a time, so the last taken is the last written
            await asyncio.to_thread(write_state, self.state_file, document)
        self.last_saved = summary(document)
        return self.last_saved

    async def settle(self) -> None:
        """Wait until every accepted write is applied (or failed), the one due last
        included, and webhooks are sent."""
        await self.worker.settle()

    # ------------------------------------------------------------------ middlewares

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/v2"):
            return await handler(request)
        # Only method and path: a query string may carry auth_token.
        entry: dict[str, Any] = {"method": request.method, "path": request.path, "status": None}
        self.store.requests.append(entry)
        self.store.counters["requests"] += 1
        try:
            resp = await handler(request)
        except ConnectionDropped as exc:
            entry["dropped"] = exc.when
            return web.Response(status=500)  # the transport is gone; this is never sent
        except web.HTTPException as exc:
            entry["status"] = exc.status
            if exc.status in (404, 405) and exc.content_type != "application/json":
                detail = (
                    "Not found." if exc.status == 404 else f'Method "{request.method}" not allowed.'
                )
                headers = (
                    {"Allow": _allow(exc.headers["Allow"])} if "Allow" in exc.headers else None
                )
                return web.json_response({"detail": detail}, status=exc.status, headers=headers)
            raise
        except Exception:
            entry["status"] = 500
            raise
        entry["status"] = resp.status
        return resp

    @web.middleware
    async def _append_slash(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # A path routed without its slash (the blog's, which Butter answers directly as the
        # cassettes show) is answered; any other gets the 301.
        routed = request.match_info.http_exception is None
        if request.path.startswith("/v2") and not request.path.endswith("/") and not routed:
            query = f"?{request.query_string}" if request.query_string else ""
            raise web.HTTPMovedPermanently(f"{request.path}/{query}")
        return await handler(request)

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/v2"):
            return await handler(request)
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "token" and value.strip() else None
        if request.method in READ_METHODS:
            token = token or request.query.get("auth_token") or None
            if token is None:
                return _unauthorized(NOT_PROVIDED)
            if token != self.config.read_token:
                return _unauthorized(INVALID_TOKEN)
        else:
            # Butter answers a read token on a write as if no token was sent.
            if token is None or token == self.config.read_token:
                return _unauthorized(NOT_PROVIDED)
            if token != self.config.write_token:
                return _unauthorized(INVALID_TOKEN)
        return await handler(request)

    # ------------------------------------------------------------------ app

    async def _save(self, request: web.Request) -> web.Response:
        if self.state_file is None:
            body = {"detail": "no state file: start the emulator with --state FILE"}
            return web.json_response(body, status=409)
        try:
            counts = await self.save()
        except ConfigError as exc:
            return web.json_response({"detail": str(exc)}, status=500)
        return web.json_response({"saved": str(self.state_file), **counts})

    async def _state(self, request: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps(self.state()), content_type="application/json")

    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                self._record,
                self.injector.middleware,
                self._append_slash,
                self._auth,
                self.cache.middleware,  # after auth: a cached answer still needs a read token
            ]
        )
        app.router.add_post("/_emulator/save", self._save)
        realism = self.config.realism
        writes = WriteHandlers(
            self.config.model,
            self.store,
            self.worker,
            self.injector,
            realism.late_deletes,
            realism.post_dates,
        )
        reads = ReadHandlers(self.config.model, self.store, realism)
        blog = BlogHandlers(self.config.model, self.store, self.config.blog_url)
        app.add_routes([*writes.routes(), *reads.routes(), *blog.routes()])
        app.router.add_get("/_emulator/state", self._state)
        if self.config.sample_media:
            app.router.add_get("/_emulator/media/{name:.+}", _sample_image)
        return app


async def _sample_image(request: web.Request) -> web.Response:
    """A PNG whose colour comes from its name: each sample image distinct, like uploads."""
    digest = hashlib.sha256(request.match_info["name"].encode()).digest()
    return web.Response(body=sample_png(*digest[:3]), content_type="image/png")


@asynccontextmanager
async def run_emulator(
    config: EmulatorConfig,
    *,
    saved: SavedState | None = None,
    state_file: Path | None = None,
) -> AsyncIterator[Emulator]:
    """Start an emulator on ``config.host:config.port`` (0 = any free port); stop it on exit.

    ``async with run_emulator(EmulatorConfig(model)) as emu:`` then point a client at
    ``emu.base_url``; ``await emu.settle()`` waits for the background queue.
    ``saved`` (``state.load_state``): start with that content, its pending writes queued
    again. ``state_file``: where ``emu.save()`` writes, and where the state is saved when
    the block ends without an exception.
    """
    # Media downloads have a session of their own: its connector resolves every name
    # through the media policy (webhooks go where the operator configured them).
    media_session = aiohttp.ClientSession(connector=config.media_policy.connector())
    async with aiohttp.ClientSession() as session, media_session:
        emu = Emulator(config, session, media_session, saved, state_file)
        worker = asyncio.create_task(emu.worker.run())
        for job, due_in in saved.pending if saved is not None else ():
            emu.worker.submit(job, due_in)
        try:
            async with serve_app(emu.app(), config.host, config.port) as url:
                emu.url = url
                log.info(
                    "emulator listening",
                    url=emu.base_url,
                    delay=config.delay,
                    realism=config.realism.on,
                )
                yield emu
            if state_file is not None:  # a clean stop: no more requests, then the save
                await emu.save()
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await emu.webhooks.close()
