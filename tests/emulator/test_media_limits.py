"""The emulator's media downloads are bounded like a service's: public addresses only
(unless allowed), a size cap read as a stream, a time limit. Each breach fails the item
in the background queue with a reason, as Butter fails an item whose media it cannot
fetch; nothing else is stored.

The media hosts are local servers: one that never stops sending, one that declares a
huge Content-Length, one that stalls; 127.0.0.2 stands for a public host (allowed by
name) that redirects to 127.0.0.1 (not allowed).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
import pytest
from aiohttp import web

from migrator.emulator.media import sample_png
from migrator.emulator.serve import serve_app

from .conftest import Butter, member

pytestmark = pytest.mark.anyio
PNG = sample_png(9, 9, 9)
CAP = 256 * 1024
CHUNK = b"\0" * (64 * 1024)


@dataclass
class Host:
    url: str = ""
    asked: list[str] = field(default_factory=list)
    sent: int = 0  # bytes of the endless body written before the client hung up
    done: anyio.Event = field(default_factory=anyio.Event)  # the stalling answer may end


@pytest.fixture
async def host() -> AsyncIterator[Host]:
    host = Host()

    async def endless(request: web.Request) -> web.StreamResponse:
        host.asked.append(request.path)
        resp = web.StreamResponse(headers={"Content-Type": "image/png"})
        await resp.prepare(request)
        try:
            while host.sent < 1024 * CAP:  # stops by itself at 256 MB
                await resp.write(CHUNK)
                host.sent += len(CHUNK)
        except (ConnectionError, RuntimeError):
            pass  # the emulator hung up
        return resp

    async def declared(request: web.Request) -> web.StreamResponse:
        host.asked.append(request.path)
        resp = web.StreamResponse(headers={"Content-Type": "image/png"})
        resp.content_length = 10 * 1024 * 1024 * 1024
        await resp.prepare(request)
        await resp.write(CHUNK)
        return resp

    async def stall(request: web.Request) -> web.Response:
        host.asked.append(request.path)
        with anyio.move_on_after(30):
            await host.done.wait()
        return web.Response(body=PNG, content_type="image/png")

    async def image(request: web.Request) -> web.Response:
        host.asked.append(request.path)
        size = int(request.match_info["size"])
        return web.Response(body=PNG + b"\0" * (size - len(PNG)), content_type="image/png")

    app = web.Application()
    app.router.add_get("/endless.png", endless)
    app.router.add_get("/declared.png", declared)
    app.router.add_get("/stall.png", stall)
    app.router.add_get("/bytes/{size}.png", image)
    async with serve_app(app) as url:
        host.url = url
        yield host
        host.done.set()


async def one_item(butter: Butter, model, photo: str) -> dict:
    """Write one team member with ``photo``; the emulator's state once it is applied."""
    body = {"key": "team_members", "fields": [member(model, photo=photo)]}
    assert (await butter.write("POST", "/content/", body)).status == 202
    await butter.emu.settle()
    return butter.emu.state()


@pytest.fixture
async def capped(make_emulator, session) -> Butter:
    emu = await make_emulator(media_max_bytes=CAP, media_timeout=1.0)
    return Butter(session, emu)


async def test_a_body_that_never_ends_stops_at_the_cap(capped, content_model, host) -> None:
    started = time.monotonic()
    state = await one_item(capped, content_model, f"{host.url}/endless.png")
    elapsed = time.monotonic() - started

    [failure] = state["failures"]
    assert failure["reason"] == (
        f"fields[0].en.photo: media download of {host.url}/endless.png failed: "
        "over the 262,144 bytes limit for a media file"
    )
    assert state["collections"] == {} and state["media"] == {}
    assert host.sent < 64 * CAP, f"the emulator read on: {host.sent:,} bytes sent"
    assert elapsed < 5


async def test_a_declared_size_over_the_cap_is_not_read(capped, content_model, host) -> None:
    state = await one_item(capped, content_model, f"{host.url}/declared.png")
    [failure] = state["failures"]
    assert failure["reason"].endswith(
        "failed: 10,240 MB, over the 262,144 bytes limit for a media file"
    )
    assert state["media"] == {}


async def test_a_file_under_the_cap_is_stored(capped, content_model, host) -> None:
    state = await one_item(capped, content_model, f"{host.url}/bytes/{CAP}.png")
    assert state["failures"] == []
    [media] = state["media"].values()
    assert media["size"] == CAP


async def test_a_stalling_host_times_out(capped, content_model, host) -> None:
    started = time.monotonic()
    state = await one_item(capped, content_model, f"{host.url}/stall.png")
    elapsed = time.monotonic() - started
    [failure] = state["failures"]
    assert failure["reason"] == (
        f"fields[0].en.photo: media download of {host.url}/stall.png failed: timed out after 1 s"
    )
    assert host.asked == ["/stall.png"]
    assert 0.9 < elapsed < 4


async def test_media_on_this_machine_is_refused_by_default(
    make_emulator, session, content_model, host
) -> None:
    butter = Butter(session, await make_emulator(media_allow_hosts=()))
    port = host.url.rsplit(":", 1)[1]
    for photo in (f"{host.url}/bytes/100.png", f"http://2130706433:{port}/bytes/100.png"):
        await one_item(butter, content_model, photo)
    state = butter.emu.state()
    assert host.asked == []
    assert [f["reason"] for f in state["failures"]] == [
        f"fields[0].en.photo: media download of {host.url}/bytes/100.png failed: refused: "
        "127.0.0.1 is a loopback address (this machine); "
        "--allow-private-media or --allow-media-host allows it",
        f"fields[0].en.photo: media download of http://2130706433:{port}/bytes/100.png "
        "failed: refused: 2130706433 (127.0.0.1) is a loopback address (this machine); "
        "--allow-private-media or --allow-media-host allows it",
    ]


async def test_a_redirect_to_this_machine_is_refused(
    make_emulator, session, content_model, host
) -> None:
    async def inwards(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{host.url}/bytes/100.png")

    app = web.Application()
    app.router.add_get("/moved.png", inwards)
    async with serve_app(app, "127.0.0.2") as public:
        emu = await make_emulator(media_allow_hosts=("127.0.0.2",))
        state = await one_item(Butter(session, emu), content_model, f"{public}/moved.png")
    assert host.asked == []
    [failure] = state["failures"]
    assert failure["reason"] == (
        f"fields[0].en.photo: media download of {public}/moved.png failed: refused: "
        f"redirected to {host.url}/bytes/100.png: 127.0.0.1 is a loopback address (this "
        "machine); --allow-private-media or --allow-media-host allows it"
    )


async def test_sample_media_serves_images_the_emulator_may_download(
    make_emulator, session, content_model
) -> None:
    # No host allowed: with --sample-media the emulator downloads from itself only.
    butter = Butter(session, await make_emulator(media_allow_hosts=(), sample_media=True))
    media = butter.emu.url + "/_emulator/media"
    bodies = []
    for name in ("ada.png", "nested/grace.png"):
        async with session.get(f"{media}/{name}") as answer:
            assert answer.status == 200 and answer.content_type == "image/png"
            bodies.append(await answer.read())
    assert bodies[0] != bodies[1] and all(b.startswith(b"\x89PNG") for b in bodies)
    state = await one_item(butter, content_model, f"{media}/ada.png")
    assert state["failures"] == [] and len(state["media"]) == 1
    (item,) = state["collections"]["team_members"].values()
    assert item["fields"]["en"]["photo"].startswith("https://cdn.buttercms.com/")


async def test_without_sample_media_there_are_no_images(make_emulator, session) -> None:
    emu = await make_emulator()
    async with session.get(emu.url + "/_emulator/media/ada.png") as answer:
        assert answer.status == 404
