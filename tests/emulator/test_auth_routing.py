"""Tokens, the trailing-slash redirect and unknown routes, answered as Butter does."""

from __future__ import annotations

import contextlib

import anyio
import pytest

from .conftest import Butter, page_body

pytestmark = pytest.mark.anyio

NOT_PROVIDED = {"detail": "Authentication credentials were not provided"}
INVALID = {"detail": "Invalid token."}


@pytest.mark.parametrize(
    ("token", "body"),
    [(None, NOT_PROVIDED), ("r-token", NOT_PROVIDED), ("nope", INVALID)],
    ids=["missing", "read-token-on-write", "unknown"],
)
async def test_write_auth_failures(butter: Butter, content_model, token, body):
    answer = await butter.write("POST", "/pages/", page_body(content_model), token=token)
    assert answer.status == 401
    assert answer.body == body
    assert answer.headers["WWW-Authenticate"] == "Token"
    await butter.emu.settle()
    assert butter.emu.state()["pages"] == {}


@pytest.mark.parametrize(
    ("params", "header", "status", "body"),
    [
        ({}, None, 401, NOT_PROVIDED),
        ({"auth_token": "nope"}, None, 401, INVALID),
        ({"auth_token": "w-token"}, None, 401, INVALID),
        ({}, "r-token", 200, None),
        ({"auth_token": "r-token"}, None, 200, None),
    ],
    ids=["missing", "unknown", "write-token-on-read", "header", "query"],
)
async def test_read_auth(butter: Butter, params, header, status, body):
    answer = await butter.call("GET", "/posts/", token=header, params=params)
    assert answer.status == status
    if body is not None:
        assert answer.body == body
        assert answer.headers["WWW-Authenticate"] == "Token"
    else:
        assert answer.body["data"] == []


async def test_missing_trailing_slash_redirects_and_keeps_query(butter: Butter):
    answer = await butter.call("GET", "/posts", params={"auth_token": "r-token", "page": "1"})
    assert answer.status == 301
    assert answer.headers["Location"] == "/v2/posts/?auth_token=r-token&page=1"
    post = await butter.write("POST", "/posts", {"title": "T", "slug": "t"})
    assert post.status == 301
    # The redirect costs a call of its own, and a redirected POST creates nothing.
    await butter.emu.settle()
    state = butter.emu.state()
    assert state["posts"] == {}
    assert [r["status"] for r in state["requests"]] == [301, 301]


async def test_unknown_routes_answer_json(butter: Butter):
    missing = await butter.read("/nothing-here/")
    assert (missing.status, missing.body) == (404, {"detail": "Not found."})
    not_allowed = await butter.write("DELETE", "/pages/landing_page/home/", None)
    assert not_allowed.status == 405
    assert not_allowed.body == {"detail": 'Method "DELETE" not allowed.'}


async def test_state_never_shows_tokens(butter: Butter, session, content_model):
    await butter.write("POST", "/pages/", page_body(content_model))
    await butter.read("/pages/*/home/")
    await butter.emu.settle()
    async with session.get(butter.emu.url + "/_emulator/state") as resp:
        assert resp.status == 200
        text = await resp.text()
        state = await resp.json()
    assert "w-token" not in text and "r-token" not in text
    assert state == butter.emu.state()
    assert state["requests"] == [
        {"method": "POST", "path": "/v2/pages/", "status": 202},
        {"method": "GET", "path": "/v2/pages/*/home/", "status": 200},
    ]


@pytest.mark.parametrize(
    ("where", "size"),
    [("header", 8_190), ("header", 20_000), ("header", 200_000), ("query", 9_000)],
)
async def test_an_over_long_token_is_refused_without_echoing_it(butter, where, size):
    """aiohttp's own 400 quoted the start of the line (``Token <the token>...``)."""
    host, port = butter.emu.url.removeprefix("http://").split(":")
    secret = "SECRET-5581-" + "x" * size
    request = (
        f"GET /v2/posts/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token {secret}\r\n\r\n"
        if where == "header"
        else f"GET /v2/posts/?auth_token={secret} HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    with anyio.fail_after(5):
        stream = await anyio.connect_tcp(host, int(port))
        async with stream:
            await stream.send(request.encode())
            answer = b""
            with contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError):
                while chunk := await stream.receive():
                    answer += chunk
    assert answer.startswith(b"HTTP/1.0 400 Bad Request\r\n"), answer[:200]
    assert answer.endswith(b"the request line or a header is malformed or too long")
    assert b"SECRET" not in answer and b"xxxxxxxx" not in answer
    assert (await butter.read("/posts/")).status == 200, "and goes on serving"
