"""An export in several files, as one source: a folder, or a zip (WordPress.com splits a
large site into several WXR files and zips them).

The peer expectation is TryGhost/migrate at commit e87efde3,
``packages/mg-wp-xml/test/process.test.js:603-641`` ("Can process a folder of multiple
XML files"): posts-only.xml, pages-only.xml and attachments-only.xml read together give
3 posts and 1 page, the 2 authors once each, the site URL, and 2 posts whose feature
image is an attachment of another file. Read one at a time, those posts lose it.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import anyio
import orjson
import pytest
from click.testing import CliRunner
from shared_data import REALDATA, needs_realdata

from migrator.cli import cli
from migrator.errors import RecordError, SourceError
from migrator.records import Record
from migrator.sources import open_source
from tests.engine.conftest import MIGRATOR, cli_env

WXR = REALDATA / "wxr"
ROOT = Path(__file__).resolve().parents[3]
PARTS = {
    "posts-only.xml": WXR / "ghost-mgwpxml--multiple-posts-only.xml",
    "pages-only.xml": WXR / "ghost-mgwpxml--multiple-pages-only.xml",
    "attachments-only.xml": WXR / "ghost-mgwpxml--multiple-attachments-only.xml",
}
UNSPLASH = (
    "https://images.unsplash.com/photo-1601276861758-2d9c5ca69a17?ixlib=rb-1.2.1"
    "&ixid=eyJhcHBfaWQiOjEyMDd9&auto=format&fit=crop&w=1268&q=80"
)
pytestmark = [needs_realdata(*PARTS.values()), pytest.mark.timeout(60)]


def folder(tmp_path: Path) -> Path:
    out = tmp_path / "export"
    out.mkdir()
    for name, path in PARTS.items():
        shutil.copy(path, out / name)
    (out / "notes.txt").write_text("not an export")  # only .xml files are read
    return out


def zipped(tmp_path: Path, extra: dict[str, bytes] | None = None) -> Path:
    out = tmp_path / "example.wordpress.2024-05-01.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path in PARTS.items():
            z.write(path, f"example.wordpress.2024-05-01/{name}")
        z.writestr("__MACOSX/example.wordpress.2024-05-01/._posts-only.xml", b"\0\x05\x16\x07")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out


def read(path: Path) -> tuple[list[Record], list[RecordError], object]:
    source = open_source("wxr", path)
    items = list(source.records())
    return (
        [i for i in items if isinstance(i, Record)],
        [i for i in items if isinstance(i, RecordError)],
        source,
    )


def check_the_ghost_expectation(records: list[Record], source) -> None:
    """process.test.js:615-640, on our records."""
    kinds = [r.kind for r in records]
    assert (kinds.count("post"), kinds.count("page")) == (3, 1)  # :617-621
    index = source.scan()
    index.attachments.close()
    assert sorted(index.authors) == ["harry@example.com", "hermione@example.com"]  # :625-628
    assert {r.data["site"]["link"] for r in records} == {"https://example.com"}  # :631
    with_image = [r for r in records if r.kind == "post" and r.data["featured_image"]]
    assert len(with_image) == 2  # :635-636
    assert with_image[0].data["featured_image"]["url"] == UNSPLASH  # :637-640


def test_each_file_alone_loses_the_featured_images() -> None:
    """The failure the expectation guards against: posts-only.xml read alone."""
    records, _, _ = read(PARTS["posts-only.xml"])
    assert not [r for r in records if r.data["featured_image"]]
    assert sum("featured image dropped" in str(w) for r in records for w in r.warnings) == 2


def test_a_folder_of_xml_files_is_one_export(tmp_path: Path) -> None:
    """process.test.js:603-641 ("Can process a folder of multiple XML files")."""
    path = folder(tmp_path)
    records, errors, source = read(path)
    assert errors == []
    check_the_ghost_expectation(records, source)
    assert {r.location.file for r in records} == {str(path / n) for n in PARTS}
    assert f"{path}: read as one export of 3 files" in source.stats.notes


def test_a_zip_is_one_export_and_locations_name_the_file_in_it(tmp_path: Path) -> None:
    """process.test.js:603-641 again, the parts zipped as WordPress.com delivers them; the
    macOS ``__MACOSX/._*`` companion is skipped, each location names the member."""
    path = zipped(tmp_path)
    records, errors, source = read(path)
    assert errors == []
    check_the_ghost_expectation(records, source)
    basic = next(r for r in records if r.data["title"] == "Basic Post")
    assert str(basic.location) == f"{path}/example.wordpress.2024-05-01/posts-only.xml:48"
    # The attachments file is not well-formed (a bare &): repaired, and said so.
    assert any("bare & escaped" in note for note in source.stats.notes)


def test_a_post_id_in_two_files_is_reported_with_both_places(tmp_path: Path) -> None:
    path = zipped(tmp_path, {"copy/posts-again.xml": PARTS["posts-only.xml"].read_bytes()})
    _, errors, _ = read(path)
    # Read in name order: the copy first, so the original's four items are the repeats.
    assert len(errors) == 4
    assert {e.file for e in errors} == {f"{path}/example.wordpress.2024-05-01/posts-only.xml"}
    first = f"first seen at {path}/copy/posts-again.xml:"
    assert all("duplicate post id" in str(e) and first in str(e) for e in errors)


def test_a_file_in_the_zip_that_is_not_wxr_is_named(tmp_path: Path) -> None:
    path = zipped(tmp_path, {"sitemap.xml": b'<?xml version="1.0"?><urlset><url/></urlset>'})
    with pytest.raises(SourceError, match=r"sitemap\.xml: not a WordPress export"):
        read(path)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("../../etc/evil.xml", b"<rss/>", "a zip member whose name leaves the zip"),
        ("/abs/evil.xml", b"<rss/>", "a zip member whose name leaves the zip"),
        ("C:/evil.xml", b"<rss/>", "a zip member whose name leaves the zip"),
        ("bomb.xml", b"<rss>" + b" " * (8 * 1024 * 1024) + b"</rss>", "a zip bomb"),
    ],
)
def test_hostile_zips_are_refused_before_anything_is_read(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = zipped(tmp_path, {name: data})
    with pytest.raises(SourceError, match=message) as caught:
        read(path)
    assert str(caught.value).startswith(f"{path}/{name}: refused")


def test_an_encrypted_member_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("posts.xml", PARTS["posts-only.xml"].read_bytes())
    # zipfile writes no encryption: set the "encrypted" flag bit in both headers.
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        raw[raw.index(signature) + offset] |= 0x1
    path.write_bytes(bytes(raw))
    with pytest.raises(SourceError, match="encrypted: unzip it with its password first"):
        read(path)


def test_too_many_files_in_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(1001):
            z.writestr(f"part-{i:04}.xml", b"<rss/>")
    with pytest.raises(SourceError, match="1,001 files in this zip, more than 1,000"):
        read(path)


def test_a_corrupt_member_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("posts.xml", PARTS["posts-only.xml"].read_bytes())
    raw = bytearray(path.read_bytes())
    raw[200:260] = bytes(60)  # inside the compressed data
    path.write_bytes(bytes(raw))
    with pytest.raises(SourceError, match=rf"{path}/posts\.xml: .*(zip|CRC|corrupt)"):
        read(path)


def test_a_zip_or_folder_without_xml_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", b"hello")
    with pytest.raises(SourceError, match=r"no \.xml/\.wxr file in this zip"):
        read(empty)
    (tmp_path / "nothing").mkdir()
    with pytest.raises(SourceError, match=r"no \.xml/\.wxr file in this folder"):
        read(tmp_path / "nothing")


def test_inspect_takes_a_zip_and_a_folder(tmp_path: Path) -> None:
    for path in (zipped(tmp_path), folder(tmp_path)):
        result = CliRunner().invoke(cli, ["inspect", str(path), "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        summary = orjson.loads(result.output)
        assert summary["format"] == "wxr" and summary["items"] == 6
        assert f"{path}: read as one export of 3 files" in summary["notes"]


@pytest.mark.anyio
async def test_a_split_export_into_the_emulator_keeps_its_featured_images(
    emulator, mirror, tmp_path: Path
) -> None:
    """What Butter gets from ``migrator run ... --source export.zip``: the 2 posts
    Ghost's test expects with a featured image (process.test.js:635-636) have one."""
    mirror_url, requests = mirror
    path = zipped(tmp_path)
    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(ROOT / "mappings" / "wordpress_posts.toml"),
         "--source", str(path), "--var", f"media_host={mirror_url}",
         "--ledger", str(tmp_path / "posts.ledger.sqlite"), "--no-progress", "--rate", "500",
         "--settle-delay", "0.1", "--settle-timeout", "0.4", "--canary", "0"],
        env={**cli_env(emulator.base_url), "COLUMNS": "200"},
        check=False, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, out
    assert "read as one export of 3 files" in out
    await emulator.settle()
    posts = emulator.state()["posts"]
    assert sorted(posts) == ["another-post", "basic-post", "draft-post"]
    with_image = sorted(slug for slug, p in posts.items() if p["featured_image"])
    assert with_image == ["another-post", "basic-post"]
    assert requests, "the featured images were fetched (from the local mirror)"
