"""ButterCMS's official SDKs aimed at the emulator, and demo-like content for them to read.

- ``python_sdk``: a ``butter_cms.ButterCMS`` (buttercms-python 2.1.1) whose clients' ``url``
  attributes point at the emulator; ``await python_sdk.call(lambda b: b.pages.get(...))``
  runs the (blocking, requests-based) call in a thread so the emulator keeps serving.
- ``js_sdk``: ``await js_sdk([["page.retrieve", "landing_page", "home"], ...])`` runs
  buttercms (npm) 3.0.3 through js/runner.mjs under node, one process for the whole list;
  each result is ``{"ok", "status", "data", "path"}`` or ``{"ok": False, "status", "error"}``.
  Skips, saying why, without node or without ``npm ci --prefix tests/emulator/sdk/js``.
- ``site``: demo-like content written through the Write API: team members (one a draft),
  categories, four landing pages referencing each other and the collections, a single page.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from migrator.emulator import Emulator
from migrator.emulator.store import Page, now_iso
from migrator.model import ContentModel

from ..conftest import Butter, member, page_body, page_fields

JS_DIR = Path(__file__).resolve().parent / "js"
READ_TOKEN = "r-token"
T = TypeVar("T")


def aim_python_sdk(client: Any, base_url: str) -> Any:
    """buttercms-python keeps its base URL in each resource client's ``url`` attribute."""
    for resource in vars(client).values():
        resource.url = base_url.rstrip("/") + "/"
    return client


@dataclass
class PythonSDK:
    client: Any

    async def call(self, fn: Callable[[Any], T]) -> T:
        return await asyncio.to_thread(fn, self.client)


@pytest.fixture
def python_sdk(emulator: Emulator) -> PythonSDK:
    from butter_cms import ButterCMS

    return PythonSDK(aim_python_sdk(ButterCMS(READ_TOKEN), emulator.base_url))


JsSDK = Callable[[list[list[Any]]], Any]


def js_sdk_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the JS SDK tests need it"
    if not (JS_DIR / "node_modules" / "buttercms" / "package.json").exists():
        return "buttercms (npm) is not installed: run `npm ci --prefix tests/emulator/sdk/js`"
    return None


async def run_js(base_url: str, calls: list[list[Any]]) -> list[dict[str, Any]]:
    """Run ``calls`` through js/runner.mjs against ``base_url`` (any Butter-like server)."""
    request = {"base_url": base_url, "token": READ_TOKEN, "calls": calls}
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(JS_DIR / "runner.mjs"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=JS_DIR,
    )
    out, err = await asyncio.wait_for(proc.communicate(json.dumps(request).encode()), 60)
    assert proc.returncode == 0, err.decode()
    results: list[dict[str, Any]] = json.loads(out)
    assert len(results) == len(calls)
    return results


@pytest.fixture
def js_sdk(emulator: Emulator) -> JsSDK:
    missing = js_sdk_missing()
    if missing:
        pytest.skip(missing)

    async def run(calls: list[list[Any]]) -> list[dict[str, Any]]:
        return await run_js(emulator.base_url, calls)

    return run


# ---------------------------------------------------------------------- content


@dataclass
class Site:
    team: dict[str, int] = field(default_factory=dict)  # name -> item id
    categories: dict[str, int] = field(default_factory=dict)


async def _ids(butter: Butter, key: str, name_field: str) -> dict[str, int]:
    answer = await butter.read(f"/content/{key}/", preview="1", page_size="100", levels="1")
    assert answer.status == 200, answer.body
    return {i[name_field]: i["meta"]["id"] for i in answer.body["data"][key]}


async def load_site(butter: Butter, model: ContentModel) -> Site:
    site = Site()
    members = [
        member(model, name="Ada", email="ada@example.com", position="Engineer", active=True),
        member(model, name="Grace", email="grace@example.com", position="Admiral", active=True),
    ]
    for fields in members:
        body = {"key": "team_members", "status": "published", "fields": [fields]}
        assert (await butter.write("POST", "/content/", body)).status == 202
    draft = {"key": "team_members", "status": "draft", "fields": [member(model, name="Dan")]}
    assert (await butter.write("POST", "/content/", draft)).status == 202
    for name in ("Guides", "News"):
        body = {
            "key": "categories",
            "status": "published",
            "fields": [{"name": name, "slug": name.lower()}],
        }
        assert (await butter.write("POST", "/content/", body)).status == 202
    await butter.emu.settle()
    site.team = await _ids(butter, "team_members", "name")
    site.categories = await _ids(butter, "categories", "name")

    home = page_fields(
        model,
        headline="Welcome home",
        price=10,
        featured=True,
        related_pages=["pricing", "no-such-page"],
        team=[site.team["Ada"], site.team["Grace"], site.team["Dan"]],
        main_category=site.categories["Guides"],
        seo={"title": "Home", "description": "The home page"},
        sections=[{"hero": {"headline": "Hi", "image": ""}}, {"quote": {"text": "Q", "cite": "A"}}],
        faq=[{"question": "Why?", "answer": "Because."}],
    )
    pages = [
        page_body(model, "home", fields=home),
        page_body(
            model,
            "pricing",
            fields=page_fields(model, headline="Pricing", price=99, related_pages=["home"]),
        ),
        page_body(
            model,
            "spring-sale",
            fields=page_fields(model, headline="Spring Sale", price=19.99, featured=True),
        ),
        page_body(model, "draft-page", status="draft", fields=page_fields(model, headline="WIP")),
    ]
    for body in pages:
        assert (await butter.write("POST", "/pages/", body)).status == 202
        await butter.emu.settle()  # one at a time: their published times differ, in order
    now = now_iso()
    butter.emu.store.put_single_page(
        Page(
            id=butter.emu.store.new_id(),
            page_type="",
            slug="about",
            name="About us",
            status="published",
            fields={"en": {"title": "About us", "body": "<p>Who we are</p>"}},
            created=now,
            updated=now,
            published=now,
        )
    )
    return site


@pytest.fixture
async def site(butter: Butter, content_model: ContentModel) -> Site:
    return await load_site(butter, content_model)
