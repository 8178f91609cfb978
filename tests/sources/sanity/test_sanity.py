"""Sanity NDJSON: references, images, Portable Text, drafts and system documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from migrator.errors import RecordError
from migrator.records import Record
from migrator.sources import SanitySource
from migrator.sources.rendering import Rendering
from migrator.sources.sanity.portable_text import portable_text_html


def write(path: Path, *docs: dict[str, Any]) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(d) for d in docs) + b"\n")
    return path


def span(text: str, *marks: str) -> dict[str, Any]:
    return {"_type": "span", "text": text, "marks": list(marks)}


def block(*children: dict[str, Any], style: str = "normal", **extra: Any) -> dict[str, Any]:
    return {"_type": "block", "style": style, "children": list(children), "markDefs": [], **extra}


def test_portable_text_to_html() -> None:
    link = block(span("see "), span("docs", "l1", "strong"))
    link["markDefs"] = [{"_key": "l1", "_type": "link", "href": "https://x.test/?a&b"}]
    blocks = [
        block(span("Title"), style="h2"),
        block(span("a < b & "), span("em", "em"), span(" "), span("code", "code")),
        link,
        block(span("one"), listItem="bullet", level=1),
        block(span("one.a"), listItem="number", level=2),
        block(span("two"), listItem="bullet", level=1),
        block(span("quote"), style="blockquote"),
        {"_type": "image", "asset": {"_ref": "image-x"}, "alt": 'a "pic"'},
        {"_type": "youtube", "url": "https://y.test"},
    ]
    rendering = Rendering()
    html = portable_text_html(blocks, rendering, lambda b: "https://cdn.test/x.png")
    assert html == (
        "<h2>Title</h2><p>a &lt; b &amp; <em>em</em> <code>code</code></p>"
        '<p>see <strong><a href="https://x.test/?a&amp;b">docs</a></strong></p>'
        "<ul><li>one<ol><li>one.a</li></ol></li><li>two</li></ul>"
        "<blockquote>quote</blockquote>"
        '<img src="https://cdn.test/x.png" alt="a &quot;pic&quot;">'
    )
    assert rendering.warnings == ["portable text block type 'youtube' is not supported; left out"]


def test_references_images_portable_text_drafts(tmp_path: Path) -> None:
    path = write(
        tmp_path / "data.ndjson",
        {"_id": "grrm", "_type": "author", "name": "George"},
        {"_id": "cat1", "_type": "category", "title": "Fantasy"},
        {"_id": "image-abc-10x10-png", "_type": "sanity.imageAsset", "url": "https://cdn/a.png"},
        {
            "_id": "post1",
            "_type": "post",
            "author": {"_type": "reference", "_ref": "grrm"},
            "categories": [{"_ref": "cat1", "_key": "k"}, {"_ref": "nope", "_key": "k2"}],
            "mainImage": {"_type": "image", "asset": {"_ref": "image-abc-10x10-png"}, "alt": "A"},
            "other": {"_type": "image", "asset": {"_ref": "image-def-20x30-jpg"}},
            "local": {"_type": "image", "_sanityAsset": "image@file://./images/x.png"},
            "body": [block(span("Hello"))],
        },
        {"_id": "drafts.post1", "_type": "post", "title": "draft"},
        {"_id": "_.groups.x", "_type": "system.group"},
    )
    source = SanitySource(
        path,
        reference_fields={"author": "name", "category": "title"},
        project_id="proj",
        dataset="production",
        assets_base="http://media.test/",
    )
    items = list(source.records())
    assert all(isinstance(i, Record) for i in items)
    by_id = {i.identity: i for i in items if isinstance(i, Record)}
    assert sorted(by_id) == ["cat1", "grrm", "post1"]
    post = by_id["post1"]
    assert post.data["author"] == "George"
    assert post.data["categories"] == ["Fantasy", "nope"]
    assert post.data["mainImage"]["url"] == "https://cdn/a.png"
    assert post.data["mainImage"]["alt"] == "A"
    assert post.data["other"]["url"] == "https://cdn.sanity.io/images/proj/production/def-20x30.jpg"
    assert post.data["local"]["url"] == "http://media.test/images/x.png"
    assert post.data["body"] == "<p>Hello</p>"
    assert post.warnings == (
        "reference not followed, its document is not in the export: 'nope', kept its id",
    )
    assert [w.field for w in post.warnings] == ["categories"]
    assert source.stats.notes == [
        f"{path}: skipped 1 drafts",
        f"{path}: skipped 1 system documents",
        f"{path}: skipped 1 asset documents",
    ]
    with_drafts = SanitySource(path, include_drafts=True)
    assert "drafts.post1" in {i.identity for i in with_drafts.records() if isinstance(i, Record)}


def test_sniff_and_describe(tmp_path: Path) -> None:
    path = write(tmp_path / "d.ndjson", {"_id": "a", "_type": "t", "n": 1}, {"_type": "t"})
    assert SanitySource.sniff(path, path.read_bytes())
    assert not SanitySource.sniff(path, b'{"id": 1}\n{"id": 2}\n')
    summary = SanitySource(path).describe()
    assert summary["types"]["t"]["count"] == 2 and summary["errors"] == 0


def test_bad_lines_do_not_stop_the_read(tmp_path: Path) -> None:
    path = tmp_path / "d.ndjson"
    path.write_bytes(
        b'{"_id": "a", "_type": "t"}\nnot json\n"str"\n{"_id": "b"}\n{"_id": "c", "_type": "t"}'
    )
    items = list(SanitySource(path).records())
    assert [i.identity for i in items if isinstance(i, Record)] == ["a", "c"]
    assert [(e.line, e.reason.split(":")[0]) for e in items if isinstance(e, RecordError)] == [
        (2, "not valid JSON"),
        (3, "expected a JSON object (a document)"),
        (4, "the document has no _type"),
    ]


def test_summary_names_what_was_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d.ndjson",
        {"_id": "a", "_type": "post"},
        {"_id": "drafts.a", "_type": "post"},
        {"_id": "drafts.b", "_type": "post"},
        {"_id": "img", "_type": "sanity.imageAsset", "url": "https://cdn/x.png"},
        {"_id": "a", "_type": "post"},
    )
    source = SanitySource(path)
    list(source.records())
    assert source.stats.summary() == [
        f"{path}: skipped 2 drafts",
        f"{path}: skipped 1 asset documents",
        "1 record could not be read",
    ]


def test_an_image_in_portable_text_that_cannot_be_resolved_names_its_field(
    tmp_path: Path,
) -> None:
    """Before: the <img> left the body with a plain "read with warnings" and no field."""
    image = {"_type": "image", "_key": "i1", "_sanityAsset": "image@file://./images/x.png"}
    path = write(
        tmp_path / "data.ndjson",
        {"_id": "p", "_type": "post", "body": [block(span("Hi")), image]},
    )
    (record,) = SanitySource(path).records()
    assert isinstance(record, Record)
    assert record.data["body"] == "<p>Hi</p>"
    (warning,) = record.warnings
    assert warning.startswith("asset left out, it is a local file")
    assert "'images/x.png'" in warning
    assert getattr(warning, "field", None) == "body"
