"""Helpers for talking to the emulator over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from migrator.emulator import Emulator
from migrator.emulator.serve import serve_app
from migrator.model import ContentModel


@dataclass
class Answer:
    status: int
    body: Any  # parsed JSON, or the text when the body is not JSON
    headers: Any


class Butter:
    """A bare client: each call returns status, body and headers, never raises on 4xx/5xx."""

    def __init__(self, session: aiohttp.ClientSession, emu: Emulator):
        self.session = session
        self.emu = emu

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = "w-token",
        params: dict[str, str] | None = None,
        raw: bytes | None = None,
        allow_redirects: bool = False,
    ) -> Answer:
        headers = {"Authorization": f"Token {token}"} if token else {}
        data = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with self.session.request(
            method,
            self.emu.base_url + path,
            data=data,
            headers=headers,
            params=params,
            allow_redirects=allow_redirects,
        ) as resp:
            text = await resp.text()
            try:
                parsed = orjson.loads(text) if text else None
            except orjson.JSONDecodeError:
                parsed = text
            return Answer(resp.status, parsed, resp.headers)

    async def write(self, method: str, path: str, body: Any, **kw: Any) -> Answer:
        return await self.call(method, path, body, **kw)

    async def read(self, path: str, **params: str) -> Answer:
        return await self.call("GET", path, token=None, params={"auth_token": "r-token", **params})


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def butter(session: aiohttp.ClientSession, emulator: Emulator) -> Butter:
    return Butter(session, emulator)


def page_fields(model: ContentModel, **values: Any) -> dict[str, Any]:
    """Every key of landing_page (Butter requires them all), blank unless given."""
    fields = {n: f.empty_value() for n, f in model.page_types["landing_page"].fields.items()}
    fields["headline"] = "Hello"
    fields.update(values)
    return fields


def member(model: ContentModel, **values: Any) -> dict[str, Any]:
    fields = {n: f.empty_value() for n, f in model.collections["team_members"].fields.items()}
    fields.update(name="Ada", email="ada@example.com")
    fields.update(values)
    return fields


def page_body(model: ContentModel, slug: str = "home", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": slug.title(),
        "slug": slug,
        "page_type": "landing_page",
        "status": "published",
        "fields": page_fields(model),
    }
    body.update(extra)
    return body


@dataclass
class Listener:
    url: str
    received: list[dict[str, Any]]


@pytest.fixture
async def webhook_listener() -> AsyncIterator[Listener]:
    listener = Listener("", [])

    async def receive(request: web.Request) -> web.Response:
        listener.received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    async with serve_app(app) as url:
        listener.url = f"{url}/hook"
        yield listener
