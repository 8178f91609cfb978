"""Nothing a WordPress export holds is lost without a word: `migrator run` on the real
exports, into the emulator, as a user runs it (a process, its output and exit code).

- items without ``<wp:post_id>`` are identified by their guid (else their link);
- a broken export (XML errors between items, no known WXR version and no items) fails
  the run with exit 1 and says so, never "All records are in ButterCMS's queue";
- a password-protected post goes as a draft with a warning, unless the mapping's
  ``[source] publish_protected = true``;
- a featured image whose attachment is not in the export is a warning per record.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import anyio
import pytest
from shared_data import REALDATA, needs_realdata

from migrator.mapping import load_mapping
from tests.engine.conftest import MIGRATOR, cli_env, writes
from tests.sources.wordpress.test_wxr_e2e import expected_records

ROOT = Path(__file__).resolve().parents[3]
POSTS = ROOT / "mappings" / "wordpress_posts.toml"
WXR = REALDATA / "wxr"
THEME = WXR / "wpimporter--theme-unit-test-data.xml"
MISSING_THUMB = WXR / "ghost-mgwpxml--multiple-posts-only.xml"
PROTECTED_TITLE = 'Template: Password Protected (the password is "enter")'
ALL_QUEUED = "All records are in ButterCMS's queue"
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


async def migrate(
    source: Path, state: Path, base_url: str, media_host: str = "", *, mapping: Path = POSTS
) -> tuple[int, str]:
    """``migrator run`` of a WordPress mapping: exit code and output (wide, unwrapped)."""
    args = [
        MIGRATOR, "--log-level", "warning", "run", str(mapping), "--source", str(source),
        "--state", str(state), "--no-progress", "--canary", "0", "--rate", "1000",
        "--concurrency", "8", "--settle-delay", "0.05", "--settle-timeout", "0.3",
        "--var", f"media_host={media_host}",
    ]  # fmt: skip
    done = await anyio.run_process(args, env=cli_env(base_url, COLUMNS="200"), check=False)
    return done.returncode, done.stdout.decode() + done.stderr.decode()


def warnings_of(state: Path) -> list[dict]:
    (path,) = state.glob("*/*.warnings.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


def posts_by_title(emulator) -> dict[str, dict]:
    return {p["title"]: p for p in emulator.state()["posts"].values()}


def mapping_with(tmp_path: Path, source_line: str) -> Path:
    """The shipped posts mapping with one more ``[source]`` line (paths made absolute)."""
    text = POSTS.read_text(encoding="utf-8")
    text = text.replace(
        'model = "content-model.toml"', f'model = "{ROOT}/mappings/content-model.toml"'
    )
    text = text.replace(
        'links = "wordpress-links.toml"', f'links = "{ROOT}/mappings/wordpress-links.toml"'
    )
    text = text.replace('format = "wxr"\n', f'format = "wxr"\n{source_line}\n', 1)
    path = tmp_path / "posts.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- items without <wp:post_id> ----------------------------------------------------------


@needs_realdata(THEME)
async def test_an_export_without_post_ids_migrates_by_guid(emulator, mirror, tmp_path) -> None:
    """The theme unit test data with every <wp:post_id> taken out, as some generators
    write it: before, all 116 items were rejected and nothing was sent."""
    text = THEME.read_text(encoding="utf-8")
    stripped = tmp_path / "no-ids.xml"
    stripped.write_text(re.sub(r"<wp:post_id>[^<]*</wp:post_id>", "", text), encoding="utf-8")
    assert "<wp:post_id>" not in stripped.read_text(encoding="utf-8")
    with_ids = expected_records(load_mapping(POSTS), THEME)

    code, out = await migrate(stripped, tmp_path / "state", emulator.base_url, mirror[0])
    await emulator.settle()

    assert code == 0, out
    assert "items without <wp:post_id>: identified by <guid> (else <link>)" in out
    posts = emulator.state()["posts"]
    assert emulator.state()["failures"] == []
    # As many posts as with the ids; two posts share a guid: they are known by link.
    assert len(posts) == len(with_ids) == 58
    assert "post-format-image" in posts and "post-format-image-linked" in posts

    # The guid is a stable identity: a second run of the same file sends nothing.
    sent = len(writes(emulator.state()))
    code, out = await migrate(stripped, tmp_path / "state", emulator.base_url, mirror[0])
    assert code == 0, out
    assert re.search(rf"unchanged \(skipped, no API call\)\s*\S\s*{len(posts)}\b", out), out
    assert len(writes(emulator.state())) == sent


# --- broken exports ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("wpimporter--malformed.xml", ":90: XML error outside any item"),
        ("wpimporter--invalid-version-tag.xml", "unknown WXR version 'abc'"),
        ("wpimporter--missing-version-tag.xml", "no <wp:wxr_version>"),
    ],
)
@needs_realdata(WXR)
async def test_a_broken_export_fails_the_run(emulator, tmp_path, name: str, said: str) -> None:
    """Before: 0 records read, exit 0 and "All records are in ButterCMS's queue"."""
    code, out = await migrate(WXR / name, tmp_path / "state", emulator.base_url)
    assert code == 1, out
    assert f"source problem: {WXR / name}" in out and said in out
    assert "The export could not be read whole" in out
    assert ALL_QUEUED not in out
    assert writes(emulator.state()) == []


@needs_realdata(WXR)
async def test_an_export_without_items_says_nothing_was_read(emulator, tmp_path) -> None:
    """Well-formed, a known version, terms but no item: not an error, not "all queued"."""
    code, out = await migrate(WXR / "wpimporter--term-meta.xml", tmp_path / "s", emulator.base_url)
    assert code == 0, out
    assert "No records were read from the export: nothing was sent." in out
    assert ALL_QUEUED not in out and "source problem" not in out


# --- password-protected posts ------------------------------------------------------------


@needs_realdata(THEME)
async def test_a_password_protected_post_goes_as_a_draft(emulator, mirror, tmp_path) -> None:
    """Before: published, readable by anyone, without a word."""
    state = tmp_path / "state"
    code, out = await migrate(THEME, state, emulator.base_url, mirror[0])
    await emulator.settle()

    assert code == 0, out
    posts = posts_by_title(emulator)
    assert posts[PROTECTED_TITLE]["status"] == "draft"
    (warning,) = [w for w in warnings_of(state) if w["field"] == "status"]
    assert warning["identity"] == "1168"
    assert warning["reason"].startswith("password-protected, sent as a draft")
    assert "publish_protected = true in [source]" in warning["reason"]
    assert re.search(r"1 .*password-protected, sent as a draft", out), out
    assert ALL_QUEUED in out  # a warning: the record went through


@needs_realdata(THEME)
async def test_publish_protected_publishes_them(emulator, mirror, tmp_path) -> None:
    mapping = mapping_with(tmp_path, "publish_protected = true")
    code, out = await migrate(THEME, tmp_path / "s", emulator.base_url, mirror[0], mapping=mapping)
    await emulator.settle()

    assert code == 0, out
    assert posts_by_title(emulator)[PROTECTED_TITLE]["status"] == "published"
    assert "password-protected" not in out
    assert [w for w in warnings_of(tmp_path / "s") if w["field"] == "status"] == []


async def test_publish_protected_must_be_true_or_false(emulator, tmp_path) -> None:
    mapping = mapping_with(tmp_path, 'publish_protected = "yes"')
    source = ROOT / "migrator" / "samples" / "wordpress.xml"
    code, out = await migrate(source, tmp_path / "s", emulator.base_url, mapping=mapping)
    assert code == 2, out
    assert "publish_protected" in out and str(mapping) in out
    assert "Traceback" not in out
    assert writes(emulator.state()) == []


# --- featured images missing from the export --------------------------------------------


@needs_realdata(MISSING_THUMB)
async def test_a_featured_image_not_in_the_export_is_a_warning(emulator, tmp_path) -> None:
    """Two posts name attachment 5 as their featured image; the file has no item 5.
    Before: "2 records read with warnings", nothing in the warnings file."""
    state = tmp_path / "state"
    code, out = await migrate(MISSING_THUMB, state, emulator.base_url)
    await emulator.settle()

    assert code == 0, out
    dropped = [w for w in warnings_of(state) if w["field"] == "featured_image"]
    assert sorted(w["identity"] for w in dropped) == ["14", "4"]
    assert all(w["reason"].endswith("not in the export: _thumbnail_id '5'") for w in dropped)
    assert all(w["source"].startswith(str(MISSING_THUMB)) for w in dropped)
    assert re.search(r"2 .*featured image dropped, its attachment is not in the export", out)
    posts = emulator.state()["posts"]
    assert len(posts) == 3
    assert [p["featured_image"] for p in posts.values()] == ["", "", ""]
