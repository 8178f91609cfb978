"""Replays the recorded real ButterCMS traffic (buttercms-python's VCR cassettes and the
buttercms-js mocks) against an emulator holding the same content, and compares structure:
status, keys and value types, recursively (values differ: ids, dates).

The content is written as a site's migration would write it: through the Write API, with the
reference model (reference-model.toml); collection references point at the ids the
emulator gave. Single pages cannot be written through the API: they are seeded.
``MIGRATOR_REPLAY_REPORT=1`` prints each interaction's outcome (the issue's figures).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from shared_data import needs_realdata

from migrator.emulator import Emulator
from migrator.emulator.store import Page
from migrator.model import load_content_model

from ..conftest import Butter
from .shapes import RECORDINGS, recorded, recording_files, structure_diff

pytestmark = pytest.mark.anyio
MODEL = Path(__file__).resolve().parent / "reference-model.toml"
API = "https://api.buttercms.com"
# The js mocks are bodies without their requests: the SDK's own calls that answer them.
JS_REQUESTS = {
    "buttercms-js-mock--page-list.json": "/v2/pages/*/",
    "buttercms-js-mock--page-page.json": "/v2/pages/news/example-news-page/",
}
# Differences still expected, each with its reason: none today.
KNOWN_DIFFERENCES: dict[str, list[str]] = {}


def interactions() -> list[tuple[str, str, int, Any]]:
    """(file, path and query, recorded status, recorded body) for every recorded answer."""
    out = []
    for path in recording_files():
        data = json.loads(path.read_text())
        if "interactions" not in data:
            out.append((path.name, JS_REQUESTS[path.name], 200, data))
            continue
        for it in data["interactions"]:
            uri = it["request"]["uri"].removeprefix(API)
            body = it["response"]["body"].get("object")
            out.append((path.name, uri, it["response"]["status"]["code"], body))
    return out


def write_form(fields: dict[str, Any]) -> dict[str, Any]:
    """A page's fields as read back → as written: ``{"type", "fields"}`` → ``{type: fields}``."""
    out = {}
    for name, value in fields.items():
        if isinstance(value, list) and value and all(set(v) == {"type", "fields"} for v in value):
            value = [{v["type"]: v["fields"]} for v in value]
        out[name] = value
    return out


async def seed(butter: Butter) -> None:
    """The recorded content, written through the Write API as a migration would."""

    async def accepted(method: str, path: str, body: dict[str, Any]) -> None:
        answer = await butter.write(method, path, body)
        assert answer.status == 202, (path, answer.body)

    for name in ("buttercms-python-vcr--test_page_get.json", "buttercms-js-mock--page-page.json"):
        page = recorded(name)["data"]
        body = {
            "title": page["name"],
            "slug": page["slug"],
            "page_type": page["page_type"],
            "status": "published",
            "fields": write_form(page["fields"]),
        }
        await accepted("POST", "/pages/", body)
    menu = recorded("buttercms-python-vcr--test_content_field_all_filtered.json")["data"]
    for item in menu["navigation_menu_item"]:
        fields = {k: v for k, v in item.items() if k != "meta"}
        body = {"key": "navigation_menu_item", "status": "published", "fields": [fields]}
        await accepted("POST", "/content/", body)
    post = recorded("buttercms-python-vcr--test_post_get.json")["data"]
    await accepted(
        "POST",
        "/posts/",
        {
            **{k: post[k] for k in ("title", "slug", "status", "featured_image", "body")},
            **{k: post[k] for k in ("featured_image_alt", "summary", "seo_title")},
            "meta_description": post["meta_description"],
            "author": {"email": post["author"]["email"]},
            "categories": [c["name"] for c in post["categories"]],
            "tags": [t["name"] for t in post["tags"]],
        },
    )
    await butter.emu.settle()
    items = (await butter.read("/content/navigation_menu_item/")).body["data"]
    ids = {i["label"]: i["meta"]["id"] for i in items["navigation_menu_item"]}
    for m in menu["navigation_menu"]:
        fields = {"name": m["name"], "menu_items": [ids[i["label"]] for i in m["menu_items"]]}
        body = {"key": "navigation_menu", "status": "published", "fields": [fields]}
        await accepted("POST", "/content/", body)
    await butter.emu.settle()
    seed_single_pages(butter.emu)


def seed_single_pages(emu: Emulator) -> None:
    for p in recorded("buttercms-js-mock--page-list.json")["data"]:
        emu.store.put_single_page(
            Page(
                id=emu.store.new_id(),
                page_type="",
                slug=p["slug"],
                name=p["fields"]["title"],
                status="published",
                fields={"en": p["fields"]},
                created=p["published"],
                updated=p["updated"],
                published=p["published"],
            )
        )


async def replay(butter: Butter) -> list[tuple[str, str, list[str]]]:
    """(file, request, differences) for each recorded interaction."""
    results = []
    for name, uri, status, body in interactions():
        split = urlsplit(uri)
        params = dict(parse_qsl(split.query))
        answer = await butter.read(split.path.removeprefix("/v2"), **params)
        if answer.status != status:
            diffs = [f"status: recorded {status}, got {answer.status}"]
        else:
            diffs = structure_diff(body, answer.body)
        results.append((name, uri, diffs))
    return results


@needs_realdata(RECORDINGS)
async def test_recorded_requests_get_recorded_shapes(make_emulator):
    emu = await make_emulator(model=load_content_model(MODEL))
    async with aiohttp.ClientSession() as session:
        butter = Butter(session, emu)
        await seed(butter)
        results = await replay(butter)
    if os.environ.get("MIGRATOR_REPLAY_REPORT"):
        for name, uri, diffs in results:
            print(f"{'agree' if not diffs else 'DIFFER'}  {uri}  ({name})")
            for d in diffs:
                print(f"    {d}")
    assert len(results) == len(recording_files()) == 7
    assert {n: d for n, _, d in results if d} == KNOWN_DIFFERENCES
