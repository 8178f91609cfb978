"""State files: an emulator's content saved (on a clean stop, on POST /_emulator/save) and
served again (``migrator emulator --state FILE``); files that are not states refused."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from migrator.emulator import EmulatorConfig, load_state, run_emulator
from migrator.emulator import store as store_module
from migrator.emulator.store import Page, now_iso
from migrator.model import ContentModel
from tests.conftest import CONTENT_MODEL, LOCAL_MEDIA, MediaServer

from .conftest import Butter, member, page_body, page_fields

pytestmark = pytest.mark.anyio
MIGRATOR = str(Path(sys.executable).with_name("migrator"))
# What a state holds beside the requests log and the counters, which grow with every read.
CONTENT = ("pages", "collections", "posts", "deleted", "failures", "media", "categories", "tags")


def content(state: dict[str, Any]) -> dict[str, Any]:
    return {k: state[k] for k in CONTENT}


async def _fill(butter: Butter, model: ContentModel, media: MediaServer) -> None:
    """Pages, items (one deleted), a post with an image, a single page, a failure."""
    home = page_fields(model, headline="Home", hero_image=media.url_for("red"))
    assert (await butter.write("POST", "/pages/", page_body(model, "home", fields=home))).status
    body = {"key": "team_members", "status": "published", "fields": [member(model, name="Ada")]}
    body["fields"].append(member(model, name="Grace"))
    assert (await butter.write("POST", "/content/", body)).status == 202
    post = {"title": "Hello", "slug": "hello", "status": "published", "tags": ["News"]}
    assert (await butter.write("POST", "/posts/", post)).status == 202
    bad = page_body(model, "broken", fields=page_fields(model, hero_image=media.url_for("nope")))
    assert (await butter.write("POST", "/pages/", bad)).status == 202
    await butter.emu.settle()
    grace = max(butter.emu.store.collections["team_members"])
    assert (await butter.write("DELETE", f"/content/team_members/{grace}/", None)).status == 204
    now = now_iso()
    single = Page(0, "", "about", "About", "published", {"en": {"title": "About"}}, now, now, now)
    single.id = butter.emu.store.new_id()
    butter.emu.store.put_single_page(single)


async def test_a_saved_state_serves_the_same_content(
    tmp_path: Path, content_model: ContentModel, media_server: MediaServer
):
    path = tmp_path / "state.json"
    config = EmulatorConfig(content_model, media_allow_hosts=LOCAL_MEDIA)
    async with aiohttp.ClientSession() as session:
        async with run_emulator(config, state_file=path) as first:
            await _fill(Butter(session, first), content_model, media_server)
            before = first.state()
            home_before = (await Butter(session, first).read("/pages/landing_page/home/")).body
        assert sorted(os.listdir(tmp_path)) == ["state.json"]  # no temporary file left
        saved = load_state(path, content_model)
        assert saved is not None and saved.pending == []
        async with run_emulator(config, saved=saved) as second:
            butter = Butter(session, second)
            assert content(second.state()) == content(before)
            assert len(content(before)["failures"]) == 1
            assert len(before["media"]) == 1 and before["deleted"]["collection_items"]
            # Reads answer as before the stop: the page with its CDN image, the single page.
            assert (await butter.read("/pages/landing_page/home/")).body == home_before
            about = await butter.read("/pages/*/about/")
            assert about.status == 200 and about.body["data"]["page_type"] is None
            team = await butter.read("/content/team_members/")
            assert [i["name"] for i in team.body["data"]["team_members"]] == ["Ada"]
            assert (await butter.read("/posts/hello/")).body["data"]["tags"][0]["slug"] == "news"
            # New content takes ids after the saved ones.
            held = max(p.id for pages in second.store.pages.values() for p in pages.values())
            assert (await butter.write("POST", "/pages/", page_body(content_model, "new"))).status
            await second.settle()
            assert second.store.pages["landing_page"]["new"].id > held


async def test_writes_not_applied_yet_are_saved_and_applied_after_the_restore(
    tmp_path: Path, content_model: ContentModel
):
    path = tmp_path / "state.json"
    async with aiohttp.ClientSession() as session:
        async with run_emulator(EmulatorConfig(content_model, delay=0.5), state_file=path) as emu:
            answer = await Butter(session, emu).write("POST", "/pages/", page_body(content_model))
            assert answer.status == 202
        document = json.loads(path.read_text())
        assert [(j["path"], j["action"]) for j in document["pending"]] == [("/v2/pages/", "create")]
        assert 0 < document["pending"][0]["due_in"] <= 0.5
        saved = load_state(path, content_model)
        assert saved is not None
        async with run_emulator(EmulatorConfig(content_model), saved=saved) as emu:
            assert emu.state()["counters"]["pending"] == 1
            await emu.settle()
            state = emu.state()
            assert list(state["pages"]["landing_page"]) == ["home"]
            assert state["counters"]["accepted"] == 1  # counted once, when it was accepted


async def test_the_request_log_keeps_the_last_ones_and_counts_them_all(
    content_model: ContentModel, monkeypatch: pytest.MonkeyPatch
):
    # A long rehearsal must not grow the emulator without end: the log is bounded, the
    # counter is not.
    monkeypatch.setattr(store_module, "REQUEST_LOG", 5)
    async with aiohttp.ClientSession() as session:
        async with run_emulator(EmulatorConfig(content_model)) as emu:
            for n in range(8):
                async with session.get(f"{emu.url}/v2/posts/?auth_token=r-token&page={n + 1}"):
                    pass
            state = emu.state()
    assert state["counters"]["requests"] == 8
    assert [r["path"] for r in state["requests"]] == ["/v2/posts/"] * 5


async def test_post_emulator_save(tmp_path: Path, content_model: ContentModel):
    path = tmp_path / "state.json"
    async with aiohttp.ClientSession() as session:
        async with run_emulator(EmulatorConfig(content_model)) as emu:
            async with session.post(f"{emu.url}/_emulator/save") as resp:
                assert resp.status == 409
                assert "--state FILE" in (await resp.json())["detail"]
        async with run_emulator(EmulatorConfig(content_model), state_file=path) as emu:
            await Butter(session, emu).write("POST", "/pages/", page_body(content_model))
            await emu.settle()
            async with session.post(f"{emu.url}/_emulator/save") as resp:
                assert resp.status == 200
                answer = await resp.json()
            assert answer["saved"] == str(path)
            assert answer["pages"] == 1 and answer["pending"] == 0
            saved = orjson.loads(path.read_bytes())
            assert saved["format"] == "migrator emulator state" and saved["version"] == 1
            assert saved["page_types"] == ["landing_page"]
            assert "w-token" not in path.read_text() and "r-token" not in path.read_text()


# ---------------------------------------------------------------------- the command


def start_emulator(*args: str, cwd: Path | None = None) -> tuple[subprocess.Popen[str], str]:
    """``migrator emulator --port 0 ARGS`` and its base URL, read from its first line."""
    proc = subprocess.Popen(
        [MIGRATOR, "--log-level", "warning", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    if not ready:
        proc.kill()
        pytest.fail("the emulator printed nothing within 30 s")
    line = proc.stdout.readline()
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+/v2)\n", line)
    if not match:
        proc.kill()
        pytest.fail(f"no 'listening on' line: {line!r} {proc.communicate(timeout=10)}")
    return proc, match.group(1)


def stop_emulator(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> str:
    """Stop it with ``sig``; its stderr (it must exit 0)."""
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, err
    return err


def test_the_command_saves_on_sigterm_and_serves_the_state_again(tmp_path: Path):
    path = tmp_path / "site.json"
    proc, base = start_emulator("--state", str(path), "--model", str(CONTENT_MODEL))
    body = {"key": "categories", "status": "published"}
    body["fields"] = [{"name": "Guides", "slug": "guides"}]
    request = urllib.request.Request(
        f"{base}/content/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": "Token w-token", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 202
    err = stop_emulator(proc, signal.SIGTERM)
    assert f"state: {path} does not exist yet: starting empty" in err
    # Accepted just before the stop: applied, or saved as pending and applied on restore.
    assert f"state saved to {path}: 0 pages, " in err

    proc, base = start_emulator("--state", str(path), "--model", str(CONTENT_MODEL))
    try:
        url = f"{base}/content/categories/?auth_token=r-token"
        for _ in range(50):
            with urllib.request.urlopen(url, timeout=10) as resp:
                items = json.load(resp)["data"]["categories"]
            if items:
                break
            select.select([], [], [], 0.1)
        assert [i["name"] for i in items] == ["Guides"]
    finally:
        err = stop_emulator(proc)
    assert f"state: {path}: 0 pages, 1 collection items" in err


def _refused(path: Path, *extra: str) -> str:
    done = subprocess.run(
        [MIGRATOR, "emulator", "--port", "0", "--state", str(path), *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "listening on" not in done.stdout
    return done.stderr


def _state(**changes: Any) -> dict[str, Any]:
    document = {"format": "migrator emulator state", "version": 1}
    document.update(page_types=[], collections=[], pending=[])
    document["store"] = {
        "last_id": 1,
        "pages": {},
        "collections": {},
        "posts": [],
        "deleted_items": [],
        "deleted_posts": [],
        "failures": [],
        "media": [],
        "categories": {},
        "tags": {},
        "counters": {},
        "requests": [],
    }
    document.update(changes)
    return document


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("title,slug\nHome,home\n", "not an emulator state file"),
        ({"pages": {}}, "not an emulator state file"),
        (_state(version=2), "emulator state format version 2: this migrator reads version 1"),
        (
            _state(page_types=["product", "recipe"]),
            "page_types: page type 'recipe' of the saved state is not in the content model",
        ),
        (
            _state(collections=["team_members", "books"]),
            "collections: collection 'books' of the saved state is not in the content model",
        ),
        (
            _state(store={**_state()["store"], "posts": [{"id": 1, "slug": "x"}]}),
            "store: posts[0]: missing 5 required positional arguments",
        ),
    ],
    ids=["csv", "no-format", "version", "page-type", "collection", "bad-post"],
)
def test_a_file_that_is_not_a_usable_state_is_refused(tmp_path: Path, written: Any, message: str):
    path = tmp_path / "state.json"
    path.write_text(written if isinstance(written, str) else json.dumps(written))
    before = path.read_bytes()
    err = _refused(path, "--model", str(CONTENT_MODEL))
    assert f"error: {path}: " in err and message in err, err
    assert path.read_bytes() == before  # never overwritten


def test_a_state_in_a_missing_folder_is_refused_before_serving(tmp_path: Path):
    err = _refused(tmp_path / "nowhere" / "state.json")
    assert "does not exist" in err and "nowhere" in err


def test_the_demo_never_saves_over_a_file_that_is_not_a_state(tmp_path: Path):
    kept = tmp_path / "notes.json"
    kept.write_text('{"todo": "keep me"}')
    done = subprocess.run(
        [MIGRATOR, "demo", "--workdir", str(tmp_path / "w"), "--state", str(kept)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: {kept}: not an emulator state file" in done.stderr
    assert kept.read_text() == '{"todo": "keep me"}'
    assert not (tmp_path / "w").exists()  # refused before the demo started
