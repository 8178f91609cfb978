"""Migrate, then browse with your own site: `migrator demo --state FILE`, then
`migrator emulator --state FILE` serving it, and every read method of buttercms-python 2.1.1
and buttercms (npm) 3.0.3 answers 200 in the documented shapes, references expanded.

The method lists (PYTHON_READS, JS_READS) are checked against the SDKs themselves
(test_the_lists_hold_every_read_method_of_both_sdks). A group of reads waiting for a branch
goes in PENDING, one line: its reads are then skipped with that reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.conftest import CONTENT_MODEL
from tests.emulator.test_state import start_emulator, stop_emulator

from .conftest import JS_DIR, READ_TOKEN, aim_python_sdk, js_sdk_missing, run_js
from .test_python_sdk_blog import AUTHOR_KEYS, DETAIL_KEYS, LIST_KEYS

MIGRATOR = str(Path(sys.executable).with_name("migrator"))
PAGES, COLLECTIONS, BLOG = "pages", "collections", "blog"
# group -> why its reads are skipped. The blog reads (branch sdk-blog) are on main; while
# they were not, this read {BLOG: "blog reads: branch sdk-blog"}.
PENDING: dict[str, str] = {}
PAGE_KEYS = {"slug", "name", "published", "updated", "page_type", "fields"}
META = {"count", "next_page", "previous_page"}
# The references written into the demo's "welcome" page (the samples carry none).
RELATED = ["spring-sale", "pricing-for-teams"]
TEAM = ["Ada Lovelace", "Grace Hopper"]


@dataclass(frozen=True)
class Served:
    base_url: str
    team_ids: list[int]  # of TEAM, from the saved state
    pages: int
    team_members: int
    posts: int  # published


# ---------------------------------------------------------------------- shapes


def page(p: Any, *, single: bool = False) -> None:
    assert set(p) == PAGE_KEYS - ({"name"} if single else set()), sorted(p)
    assert isinstance(p["fields"], dict) and isinstance(p["slug"], str)


def listed(answer: Any, item: Callable[[Any], None], count: int | None = None) -> None:
    assert set(answer) == {"meta", "data"} and set(answer["meta"]) == META, answer
    assert isinstance(answer["data"], list)
    if count is not None:
        assert answer["meta"]["count"] == count and len(answer["data"]) == min(count, 10)
    for one in answer["data"]:
        item(one)


def welcome_expanded(answer: Any, s: Served) -> None:
    """levels=2 (the default): referenced pages and items are objects, their own
    references one level down are URIs."""
    assert set(answer) == {"data"}
    page(answer["data"])
    fields = answer["data"]["fields"]
    assert [p["slug"] for p in fields["related_pages"]] == RELATED
    for p in fields["related_pages"]:
        page(p)
    assert [m["meta"] for m in fields["team"]] == [{"id": i} for i in s.team_ids]
    assert [m["name"] for m in fields["team"]] == TEAM


def welcome_uris(answer: Any, s: Served) -> None:
    fields = answer["data"]["fields"]
    assert fields["related_pages"] == [f"/v2/pages/landing_page/{r}/" for r in RELATED]
    assert fields["team"] == [f"/v2/content/?keys=team_members[_id={i}]" for i in s.team_ids]


def items(answer: Any, keys: list[str], *, paged: bool) -> None:
    assert set(answer) == ({"data", "meta"} if paged else {"data"}), sorted(answer)
    assert list(answer["data"]) == keys
    for key in keys:
        assert answer["data"][key] and all(set(i["meta"]) == {"id"} for i in answer["data"][key])


def post_list(answer: Any, keys: set[str] = LIST_KEYS) -> None:
    listed(answer, lambda p: _keys(p, keys))


def _keys(obj: Any, keys: set[str]) -> None:
    assert set(obj) == keys, sorted(set(obj) ^ keys)


def feed(answer: Any, root: str) -> None:
    assert set(answer) == {"data"}
    assert etree.fromstring(answer["data"].encode()).tag.endswith(root)


# ---------------------------------------------------------------------- the reads


@dataclass(frozen=True)
class Read:
    group: str
    method: str  # resource.method, as the SDK names them
    args: tuple[Any, ...]
    check: Callable[[Any, Served], None]

    @property
    def id(self) -> str:
        return f"{self.method}{json.dumps(self.args)}"


# buttercms-python: ButterCMS(token).<resource>.<method>(*args)
PYTHON_READS = [
    Read(PAGES, "pages.get", ("landing_page", "welcome"), welcome_expanded),
    Read(PAGES, "pages.get", ("landing_page", "welcome", {"levels": 1}), welcome_uris),
    Read(PAGES, "pages.all", ("landing_page",), lambda a, s: listed(a, page, s.pages)),
    Read(PAGES, "pages.all", ("*",), lambda a, s: listed(a, lambda p: page(p, single=True), 0)),
    Read(PAGES, "pages.search", ("pricing",), lambda a, s: listed(a, page)),
    Read(PAGES, "pages.api_get", (), lambda a, s: listed(a, lambda p: page(p, single=True))),
    Read(
        COLLECTIONS,
        "content_fields.get",
        (["team_members"], {"page_size": 20}),
        lambda a, s: items(a, ["team_members"], paged=True),
    ),
    Read(
        COLLECTIONS,
        "content_fields.get",
        (["team_members", "portfolio"],),
        lambda a, s: items(a, ["team_members", "portfolio"], paged=False),
    ),
    Read(COLLECTIONS, "content_fields.api_get", (), lambda a, s: _keys(a, {"data"})),
    Read(BLOG, "posts.all", (), lambda a, s: post_list(a)),
    Read(BLOG, "posts.get", ("our-first-sourdough",), lambda a, s: _keys(a["data"], DETAIL_KEYS)),
    Read(BLOG, "posts.search", ("sourdough",), lambda a, s: post_list(a, DETAIL_KEYS | {"rank"})),
    Read(BLOG, "authors.all", (), lambda a, s: [_keys(x, AUTHOR_KEYS) for x in a["data"]]),
    Read(BLOG, "authors.get", ("ada-lovelace/",), lambda a, s: _keys(a["data"], AUTHOR_KEYS)),
    Read(BLOG, "categories.all", (), lambda a, s: [_keys(x, {"name", "slug"}) for x in a["data"]]),
    Read(BLOG, "categories.get", ("news/",), lambda a, s: _keys(a["data"], {"name", "slug"})),
    Read(BLOG, "tags.all", (), lambda a, s: [_keys(x, {"name", "slug"}) for x in a["data"]]),
    Read(BLOG, "tags.get", ("migration/",), lambda a, s: _keys(a["data"], {"name", "slug"})),
    Read(BLOG, "feeds.get", ("rss/",), lambda a, s: feed(a, "rss")),
    Read(BLOG, "feeds.get", ("atom/",), lambda a, s: feed(a, "feed")),
    Read(BLOG, "feeds.get", ("sitemap/",), lambda a, s: feed(a, "urlset")),
]
# Methods that send no read of their own (the SDK's generic request behind all()).
PYTHON_NOT_READS = {
    f"{r}.api_get": "the request all() sends" for r in ("posts", "authors", "categories", "tags")
} | {"feeds.api_get": "GET /v2/feeds/ is no endpoint; feeds.get('rss/') is the read"}

# buttercms (npm): Butter(token).<resource>.<method>(...args); cancelRequest reads nothing.
JS_READS = [
    Read(PAGES, "page.retrieve", ("landing_page", "welcome"), welcome_expanded),
    Read(PAGES, "page.retrieve", ("landing_page", "welcome", {"levels": 1}), welcome_uris),
    Read(PAGES, "page.list", ("landing_page", {"page_size": 10}), lambda a, s: listed(a, page)),
    Read(PAGES, "page.list", ("*",), lambda a, s: listed(a, lambda p: page(p, single=True), 0)),
    Read(
        PAGES,
        "page.search",
        ("pricing", {"page_type": "landing_page"}),
        lambda a, s: listed(a, page),
    ),
    Read(
        COLLECTIONS,
        "content.retrieve",
        (["team_members"], {"page_size": 20}),
        lambda a, s: items(a, ["team_members"], paged=True),
    ),
    Read(
        COLLECTIONS,
        "content.retrieve",
        (["team_members", "portfolio"],),
        lambda a, s: items(a, ["team_members", "portfolio"], paged=False),
    ),
    Read(
        BLOG,
        "post.list",
        ({"exclude_body": True},),
        lambda a, s: post_list(a, LIST_KEYS - {"body"}),
    ),
    Read(
        BLOG, "post.retrieve", ("our-first-sourdough",), lambda a, s: _keys(a["data"], DETAIL_KEYS)
    ),
    Read(BLOG, "post.search", ("sourdough",), lambda a, s: post_list(a, DETAIL_KEYS | {"rank"})),
    Read(BLOG, "author.list", (), lambda a, s: [_keys(x, AUTHOR_KEYS) for x in a["data"]]),
    Read(
        BLOG,
        "author.retrieve",
        ("ada-lovelace", {"include": "recent_posts"}),
        lambda a, s: _keys(a["data"], AUTHOR_KEYS | {"recent_posts"}),
    ),
    Read(BLOG, "category.list", (), lambda a, s: [_keys(x, {"name", "slug"}) for x in a["data"]]),
    Read(BLOG, "category.retrieve", ("news",), lambda a, s: _keys(a["data"], {"name", "slug"})),
    Read(BLOG, "tag.list", (), lambda a, s: [_keys(x, {"name", "slug"}) for x in a["data"]]),
    Read(BLOG, "tag.retrieve", ("migration",), lambda a, s: _keys(a["data"], {"name", "slug"})),
    Read(BLOG, "feed.retrieve", ("rss",), lambda a, s: feed(a, "rss")),
    Read(BLOG, "feed.retrieve", ("atom",), lambda a, s: feed(a, "feed")),
    Read(BLOG, "feed.retrieve", ("sitemap",), lambda a, s: feed(a, "urlset")),
]


def params(reads: list[Read]) -> list[Any]:
    return [
        pytest.param(
            r,
            id=r.id,
            marks=[pytest.mark.skip(reason=PENDING[r.group])] if r.group in PENDING else [],
        )
        for r in reads
    ]


# ---------------------------------------------------------------------- the site


def _patch_references(base: str, team_ids: list[int]) -> None:
    body = {"fields": {"en": {"related_pages": RELATED, "team": team_ids}}}
    request = urllib.request.Request(
        f"{base}/pages/landing_page/welcome/",
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Authorization": "Token w-token", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 202
    url = f"{base}/pages/landing_page/welcome/?auth_token={READ_TOKEN}&levels=1"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # applied in the background queue
        with urllib.request.urlopen(url, timeout=10) as resp:
            if json.load(resp)["data"]["fields"]["team"]:
                return
        time.sleep(0.05)
    pytest.fail("the references written to the welcome page never appeared")


def _demo_served_after(root: Path, state: Path) -> str:
    """`migrator demo --serve-after --state FILE`: read what it serves, Ctrl-C, its output."""
    proc = subprocess.Popen(
        [MIGRATOR, "demo", "--serve-after", "--workdir", str(root / "work"), "--state", str(state)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=root,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )  # fmt: skip
    assert proc.stdout is not None
    out = b""
    try:
        deadline = time.monotonic() + 100
        while b"Ctrl-C to stop." not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break  # it exited
                out += chunk
        text = " ".join(out.decode().split())
        found = re.search(r"ButterCMS emulator at \S+/v2 \(read token (\S+)\)", text)
        assert found and found.group(1) == "demo-read", text
        served = re.search(r"Serving the migrated demo: ButterCMS emulator at (\S+/v2) ", text)
        assert served and "docs/rehearse-your-site.md" in text, text
        base, token = served.group(1), found.group(1)
        with urllib.request.urlopen(f"{base}/pages/landing_page/?auth_token={token}") as resp:
            assert json.load(resp)["meta"]["count"] == 11  # served after the demo
        assert not state.exists()  # saved when it stops
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=60)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, text + rest
    assert state.exists()
    return " ".join((text + rest).split())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo migrated with --state, then that file served by `migrator emulator`."""
    root = tmp_path_factory.mktemp("demo-site")
    state = root / "demo-state.json"
    output = _demo_served_after(root, state)
    assert f"serve it again with `migrator emulator --state {state}`" in output
    store = json.loads(state.read_text())["store"]
    team = {i["fields"]["en"]["name"]: i["id"] for i in store["collections"]["team_members"]}
    proc, base = start_emulator("--state", str(state), "--model", str(CONTENT_MODEL), cwd=root)
    try:
        _patch_references(base, [team[name] for name in TEAM])
        yield Served(
            base,
            [team[name] for name in TEAM],
            pages=len(store["pages"]["landing_page"]),
            team_members=len(team),
            posts=sum(p["status"] == "published" for p in store["posts"]),
        )
    finally:
        stop_emulator(proc)


def test_the_served_state_holds_the_whole_demo(served: Served):
    # What the demo's table says it migrated: 11 pages, 12 team members, 11 published posts.
    assert (served.pages, served.team_members, served.posts) == (11, 12, 11)


@pytest.mark.parametrize("read", params(PYTHON_READS))
def test_every_python_sdk_read(served: Served, read: Read):
    from butter_cms import ButterCMS

    client = aim_python_sdk(ButterCMS(READ_TOKEN), served.base_url)
    resource, method = read.method.split(".")
    answer = getattr(getattr(client, resource), method)(*read.args)  # raises unless 200
    read.check(answer, served)


@pytest.fixture(scope="module")
def js_results(served: Served) -> dict[str, dict[str, Any]]:
    """Every JS read in one node process (starting node costs more than the reads)."""
    missing = js_sdk_missing()
    if missing:
        pytest.skip(missing)
    reads = [r for r in JS_READS if r.group not in PENDING]
    results = asyncio.run(run_js(served.base_url, [[r.method, *r.args] for r in reads]))
    return {r.id: result for r, result in zip(reads, results, strict=True)}


@pytest.mark.parametrize("read", params(JS_READS))
def test_every_js_sdk_read(served: Served, js_results: dict[str, dict[str, Any]], read: Read):
    result = js_results[read.id]
    assert result["ok"] and result["status"] == 200, result
    read.check(result["data"], served)


def test_the_lists_hold_every_read_method_of_both_sdks():
    from butter_cms import ButterCMS

    client = ButterCMS(READ_TOKEN)
    python = {
        f"{name}.{m}"
        for name, resource in vars(client).items()
        for m in dir(resource)
        if not m.startswith("_") and callable(getattr(resource, m))
    }
    assert python - set(PYTHON_NOT_READS) == {r.method for r in PYTHON_READS}
    missing = js_sdk_missing()
    if missing:
        pytest.skip(missing)
    script = (
        "import Butter from 'buttercms'; const b = Butter('x'); console.log(JSON.stringify("
        "Object.entries(b).filter(([, v]) => v && typeof v === 'object')"
        ".flatMap(([k, v]) => Object.keys(v).map((m) => `${k}.${m}`))))"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True, text=True, cwd=JS_DIR, timeout=60, check=True,
    )  # fmt: skip
    js = set(json.loads(done.stdout)) - {m for m in json.loads(done.stdout) if "cancelRequest" in m}
    assert js == {r.method for r in JS_READS}
