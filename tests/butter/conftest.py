"""A scripted local server for the client and retry tests: each test gives the answers,
in order, and reads back what the server received."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from migrator.butter import ButterClient, RetryPolicy
from migrator.emulator import serve_app

Answer = Callable[[web.Request], web.StreamResponse]
# Fast backoff: the branches, not the waits, are under test.
FAST = RetryPolicy(rate=1000, max_attempts=3, max_throttles=2, backoff_base=0.01, backoff_cap=0.02)
CLIENT_TIMEOUT = 0.3


def accepted(_: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "pending"}, status=202)


def found(_: web.Request) -> web.StreamResponse:
    return web.json_response({"data": {"slug": "a"}})


def status(code: int, body: object = None, **headers: str) -> Answer:
    return lambda _: web.json_response(body or {"detail": "no"}, status=code, headers=headers)


def throttled(retry_after: str | None) -> Answer:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return status(429, {"detail": "Request was throttled."}, **headers)


def dropped(request: web.Request) -> web.StreamResponse:
    """The connection dies after the request arrived: the client cannot know what happened."""
    assert request.transport is not None
    request.transport.abort()
    return web.Response(status=500)


SLOW = object()  # an answer that comes after the client's timeout


@dataclass
class Scripted:
    url: str
    answers: list[Answer | object]
    received: list[str] = field(default_factory=list)


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[[list[Answer | object]], Scripted]]:
    servers: list[Scripted] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        server = servers[-1]
        server.received.append(request.method)
        answer = server.answers.pop(0) if server.answers else accepted
        if answer is SLOW:
            await asyncio.sleep(CLIENT_TIMEOUT * 4)
            return accepted(request)
        assert callable(answer)
        return answer(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    async with serve_app(app) as url:

        def make(answers: list[Answer | object]) -> Scripted:
            servers.append(Scripted(url + "/v2", list(answers)))
            return servers[-1]

        yield make


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        yield s


def client(server: Scripted, session: aiohttp.ClientSession) -> ButterClient:
    return ButterClient(server.url, "w", read_token="r", session=session)
