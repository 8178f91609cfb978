"""The WXR attachment index: on disk, in the export's order, gone when reading is done."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migrator.sources import open_source
from migrator.sources.wordpress.media import AttachmentIndex

SAMPLE_WXR = Path(__file__).resolve().parents[3] / "migrator" / "samples" / "wordpress.xml"


def add(index: AttachmentIndex, post_id: str, parent: str | None, url: str) -> None:
    index.add(post_id, url=url, alt=f"alt {post_id}", title="", caption="", parent=parent)


def test_lookups_by_id_and_by_parent_in_export_order():
    index = AttachmentIndex()
    add(index, "7", "1", "https://x/7.jpg")
    add(index, "3", "1", "https://x/3.jpg")
    add(index, "9", "2", "https://x/9.jpg")
    add(index, "5", None, "https://x/5.jpg")
    assert index.get("3") == {
        "id": "3", "url": "https://x/3.jpg", "alt": "alt 3", "title": "", "caption": "",
        "description": "",
    }  # fmt: skip
    assert [a["id"] for a in index.children("1")] == ["7", "3"]
    assert index.get("404") is None and index.get("5") is not None
    # An id that repeats: the later item wins, once.
    add(index, "7", "1", "https://x/7-new.jpg")
    assert [a["url"] for a in index.children("1")] == ["https://x/3.jpg", "https://x/7-new.jpg"]
    # The last row repeated stays last; one that changes parent leaves the old one.
    add(index, "7", "1", "https://x/7-newer.jpg")
    assert [a["url"] for a in index.children("1")] == ["https://x/3.jpg", "https://x/7-newer.jpg"]
    add(index, "3", "2", "https://x/3-moved.jpg")
    assert [a["id"] for a in index.children("1")] == ["7"]
    assert [a["id"] for a in index.children("2")] == ["9", "3"]
    assert index.get("3")["url"] == "https://x/3-moved.jpg"  # type: ignore[index]
    index.close()
    with pytest.raises(RuntimeError):
        index.get("3")


def test_the_scratch_file_is_deleted_when_reading_ends(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    records = list(open_source("wxr", SAMPLE_WXR).records())
    featured = [r.data["featured_image"] for r in records if r.data.get("featured_image")]
    assert featured and all(f["url"].startswith("http") for f in featured)
    assert not [p for p in os.listdir(tmp_path) if p.startswith("migrator-wxr-media-")]
