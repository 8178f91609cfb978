"""``migrator demo``: one write of each kind against an in-process emulator, read back.

A stand-in until the engine can run a real migration here; it shows the round trip a
migration relies on: 202 now, applied later by the background queue, media on the CDN.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import click
from aiohttp import web

from migrator.emulator import EmulatorConfig, run_emulator
from migrator.emulator.media import sample_png
from migrator.model import ContentModel, load_content_model

MODEL = Path("mappings") / "content-model.toml"
# Beside the package too, so the demo runs from any directory of a source checkout.
MODEL_FALLBACK = Path(__file__).resolve().parent.parent / MODEL


@asynccontextmanager
async def _media_server() -> AsyncIterator[str]:
    """A tiny local image host, so the emulator's real media download has something to fetch."""

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=sample_png(250, 200, 40), content_type="image/png")

    app = web.Application()
    app.router.add_get("/butter.png", image)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/butter.png"
    finally:
        await runner.cleanup()


def _sample_writes(model: ContentModel, image: str) -> list[tuple[str, str, dict[str, Any]]]:
    page = {n: f.empty_value() for n, f in model.page_types["landing_page"].fields.items()}
    page.update(headline="Welcome to the demo", hero_image=image, theme="light")
    member = {n: f.empty_value() for n, f in model.collections["team_members"].fields.items()}
    member.update(name="Ada Lovelace", email="ada@example.com", photo=image)
    return [
        (
            "page",
            "/pages/",
            {
                "title": "Welcome",
                "slug": "welcome",
                "page_type": "landing_page",
                "status": "published",
                "fields": page,
            },
        ),
        (
            "collection item",
            "/content/",
            {"key": "team_members", "status": "published", "fields": [member]},
        ),
        (
            "post",
            "/posts/",
            {
                "title": "Hello, Butter",
                "slug": "hello-butter",
                "status": "published",
                "author": {"email": "ada@example.com"},
                "categories": ["Demo"],
                "featured_image": image,
                "body": "<p>Moved by migrator.</p>",
            },
        ),
    ]


async def _demo(model: ContentModel) -> list[str]:
    lines = []
    config = EmulatorConfig(model, write_token="demo-write", read_token="demo-read")
    async with (
        _media_server() as image,
        run_emulator(config) as emu,
        aiohttp.ClientSession() as http,
    ):
        lines.append(f"Emulator at {emu.base_url}; writing one of each kind:")
        for kind, path, body in _sample_writes(model, image):
            write_auth = {"Authorization": "Token demo-write"}
            async with http.post(emu.base_url + path, json=body, headers=write_auth) as resp:
                lines.append(
                    f"  {kind:<16} POST /v2{path:<10} -> {resp.status} {await resp.text()}"
                )
        await emu.settle()  # Butter applies writes later, in a background queue

        lines.append("Read back with the read token:")
        reads = [
            ("page", "/pages/landing_page/welcome/", lambda d: d["data"]["fields"]["hero_image"]),
            (
                "collection item",
                "/content/team_members/",
                lambda d: f"id {d['data']['team_members'][0]['meta']['id']}",
            ),
            ("post", "/posts/hello-butter/", lambda d: d["data"]["featured_image"]),
        ]
        for kind, path, show in reads:
            params = {"auth_token": "demo-read"}
            async with http.get(emu.base_url + path, params=params) as resp:
                data = await resp.json()
            shown = show(data) if resp.status == 200 else data
            lines.append(f"  {kind:<16} GET /v2{path:<30} -> {resp.status} {shown}")

        state = emu.state()
        counters = state["counters"]
        lines.append(
            f"Applied {counters.get('applied', 0)}, failed {counters.get('failed', 0)}; "
            f"media library: {len(state['media'])} file(s) from "
            f"{counters.get('media_downloads', 0)} download(s) (same bytes are stored once)."
        )
        for failure in state["failures"]:
            lines.append(f"  failed: {failure['path']}: {failure['reason']}")
    return lines


@click.command("demo")
def demo_command() -> None:
    """Rehearse against a local ButterCMS: write a page, a collection item and a post,
    wait for the background queue, read them back.

    \b
    Example:
      migrator demo
    """
    model = load_content_model(MODEL if MODEL.exists() else MODEL_FALLBACK)
    for line in asyncio.run(_demo(model)):
        click.echo(line)
