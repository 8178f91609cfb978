"""Every WXR file in ../shared/realdata/wxr/, read through the source.

Counts are checked against an independent count of the raw bytes (regular expressions,
no XML parser): ``<item`` start tags, their ``post_type`` and ``post_id`` values.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from shared_data import REALDATA as SHARED

from migrator.errors import RecordError, SourceError
from migrator.records import Record
from migrator.sources import open_source

REALDATA = SHARED / "wxr"
FILES = sorted(REALDATA.glob("*.xml")) if REALDATA.is_dir() else []
pytestmark = [
    pytest.mark.skipif(not FILES, reason="../shared/realdata/wxr is not there"),
    pytest.mark.timeout(30),
]

# Not well-formed on purpose (SOURCES.tsv); the rest parse strictly.
MALFORMED = {
    "ghost-mgwpxml--multiple-attachments-only.xml",
    "ghost-mgwpxml--sample-no-slug.xml",
    "ghost-mgwpxml--sample.xml",
    "ghost-mgwpxml--squarespace-sample.xml",
    "wpimporter--crazy-cdata.xml",
    "wpimporter--malformed-simple.xml",
    "wpimporter--malformed.xml",
    "wpimporter--namespace-edge-cases.xml",  # a non-ASCII namespace URI
}
NOT_WXR = {"wagtail-wordpress-import--test.xml"}

_ITEM = re.compile(rb"<item[\s>].*?(?:</item>|\Z)", re.S)
_TYPE = re.compile(rb"<(?:wp|wp2|alt):post_type>\s*(?:<!\[CDATA\[)?\s*([^<\]\s]+)")
_ID = re.compile(rb"<(?:wp:)?post_id(?: [^>]*)?>\s*(?:<!\[CDATA\[)?\s*(\d+)")


def raw_items(path: Path) -> list[tuple[str, str | None]]:
    """(post type, first post id) of each <item>, by regular expression on the bytes."""
    out = []
    for chunk in _ITEM.findall(path.read_bytes()):
        t = _TYPE.search(chunk)
        i = _ID.search(chunk)
        out.append((t.group(1).decode() if t else "post", i.group(1).decode() if i else None))
    return out


def read(path: Path, **options) -> tuple[list[Record], list[RecordError], object]:
    source = open_source("wxr", path, **options)
    items = list(source.records())
    records = [i for i in items if isinstance(i, Record)]
    errors = [i for i in items if isinstance(i, RecordError)]
    return records, errors, source


def _well_formed(path: Path) -> bool:
    from lxml import etree

    try:
        etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return False
    return True


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_malformed_list_matches_a_strict_parser(path: Path) -> None:
    assert _well_formed(path) is (path.name not in MALFORMED)


@pytest.mark.parametrize(
    "path", [p for p in FILES if p.name not in MALFORMED | NOT_WXR], ids=lambda p: p.name
)
def test_well_formed_files_are_read_completely(path: Path) -> None:
    expected = raw_items(path)
    records, errors, source = read(path, post_types=None)
    everything = open_source("wxr", path)
    everything.every_type = True  # menus and revisions too
    all_items = [i for i in everything.records()]

    assert source.stats.items == len(expected)
    assert len(all_items) == len(expected)
    # Every item is a record but for duplicated ids (after the first) and items with
    # no id in a WordPress namespace.
    ids = Counter(i for _, i in expected if i is not None)
    duplicates = sum(n - 1 for n in ids.values())
    wanted = [(t, i) for t, i in expected if t not in ("nav_menu_item", "revision")]
    assert len(records) + len(errors) == len(wanted)
    assert len(errors) <= duplicates + sum(1 for _, i in expected if i is None)
    assert Counter(r.kind for r in records) <= Counter(t for t, _ in wanted)
    for r in records:
        assert r.identity and r.location.line and r.location.file == str(path)
        assert r.data["post_type"] == r.kind and r.data["post_id"] == r.identity
    for e in errors:
        assert e.line is not None
        assert "duplicate post id" in e.reason or "no <wp:post_id>" in e.reason


def test_theme_unit_test_data_counts() -> None:
    path = REALDATA / "wpimporter--theme-unit-test-data.xml"
    records, errors, source = read(path)
    kinds = Counter(r.kind for r in records)
    expected = Counter(t for t, _ in raw_items(path))
    assert kinds == {k: v for k, v in expected.items() if k != "nav_menu_item"}
    assert source.stats.skipped_types == {"nav_menu_item": expected["nav_menu_item"]}
    assert errors == []
    comments = len(re.findall(rb"<wp:comment>", path.read_bytes()))
    assert sum(len(r.data["comments"]) for r in records) == comments
    with_thumb = [r for r in records if "_thumbnail_id" in r.data["meta"]]
    assert with_thumb and all(r.data["featured_image"] for r in with_thumb)
    assert all(r.data["featured_image"]["url"].startswith("http") for r in with_thumb)


def test_a11y_data_reports_its_duplicate_id() -> None:
    path = REALDATA / "wpimporter--a11y-unit-test-data.xml"
    records, errors, _ = read(path)
    (dup,) = errors
    assert len(records) + 1 + 50 == len(raw_items(path))  # 50 menu items skipped
    assert dup.identity == "156" and dup.line == 721
    assert "first seen at line 679" in dup.reason


# --- malformed files ---------------------------------------------------------------------


def test_truncated_file_reports_the_item_with_its_line() -> None:
    records, errors, source = read(REALDATA / "wpimporter--malformed-simple.xml")
    assert records == []
    (error,) = errors
    assert error.line == 9 and error.identity == "1"
    assert "Premature end of data" in error.reason
    assert source.stats.well_formed is False


def test_channel_renamed_and_mismatched_tag_is_a_problem_not_a_crash() -> None:
    records, errors, source = read(REALDATA / "wpimporter--malformed.xml")
    assert records == [] and errors == []
    # Not notes: the run must say the file could not be read whole (and exit 1).
    problems = source.stats.problems
    assert any(":90: XML error outside any item" in p for p in problems), problems
    assert any("unknown WXR version 'abc'" in p and "no <item>" in p for p in problems)


@pytest.mark.parametrize(
    "name", ["wpimporter--invalid-version-tag.xml", "wpimporter--missing-version-tag.xml"]
)
def test_no_items_and_no_known_version_is_a_problem(name: str) -> None:
    records, errors, source = read(REALDATA / name)
    assert records == [] and errors == []
    (problem,) = source.stats.problems
    assert name in problem and "WXR" in problem and "no <item> was found" in problem


def test_an_unknown_version_with_items_is_only_a_note(tmp_path: Path) -> None:
    text = (REALDATA / "wpimporter--valid-wxr-1.1.xml").read_text(encoding="utf-8")
    path = tmp_path / "v9.xml"
    path.write_text(text.replace("<wp:wxr_version>1.1<", "<wp:wxr_version>9.9<"), "utf-8")
    records, errors, source = read(path)
    assert len(records) == 2 and errors == []
    assert source.stats.problems == []
    assert any("unknown WXR version '9.9'" in n for n in source.stats.notes)


def test_nested_cdata_is_recovered_as_wordpress_reads_it() -> None:
    (record,), errors, source = read(REALDATA / "wpimporter--crazy-cdata.xml")
    assert errors == []
    assert record.data["content"] == "Content with nested <![CDATA[ tags ]]> :)"
    assert record.data["meta"]["Closing CDATA"] == "]]>"
    assert record.data["meta"]["Alot of CDATA"] == (
        "This has <![CDATA[ opening and ]]> closing <![CDATA[ tags like this: ]]>"
    )
    assert source.stats.repairs == {"nested CDATA escaped": 4}


def test_escaped_cdata_is_not_touched() -> None:
    (record,), _, source = read(REALDATA / "wpimporter--crazy-cdata-escaped.xml")
    assert "<![CDATA[" in record.data["content"] and "]]>" in record.data["content"]
    assert source.stats.repairs == {}


def test_bare_ampersands_and_html_entities_are_kept() -> None:
    records, errors, source = read(REALDATA / "ghost-mgwpxml--squarespace-sample.xml")
    titles = [r.data["title"] for r in records]
    assert "Draft & Post & More—More" in titles
    assert source.stats.repairs["bare & escaped"] == 11
    assert source.stats.repairs["HTML entities made numeric"] == 1
    (dup,) = errors  # the file really has two items with id 135
    assert dup.identity == "135" and dup.line == 147


@pytest.mark.parametrize(
    "name",
    ["ghost-mgwpxml--sample.xml", "ghost-mgwpxml--multiple-attachments-only.xml"],
)
def test_raw_ampersand_in_urls_is_recovered(name: str) -> None:
    path = REALDATA / name
    records, errors, _ = read(path)
    assert len(records) + len(errors) == len(raw_items(path))
    attachment = next(r for r in records if r.kind == "attachment")
    assert "&" in attachment.data["attachment_url"]


def test_not_a_wxr_file_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="not a WordPress export"):
        read(REALDATA / "wagtail-wordpress-import--test.xml")


# --- namespaces, content, meta -----------------------------------------------------------


def test_namespaces_are_matched_by_uri_not_prefix() -> None:
    records, errors, _ = read(REALDATA / "wpimporter--namespace-edge-cases.xml")
    assert sorted(r.identity for r in records) == ["1", "2", "3", "4", "6"]
    first = next(r for r in records if r.identity == "1")
    assert first.data["meta"] == {"normal_key": "normal_value"}  # not the malicious one
    (hijacked,) = errors  # no post id in the export namespace, no guid, no link
    assert hijacked.line == 94 and "no <wp:post_id>" in hijacked.reason
    assert "no <guid> and no <link>" in hijacked.reason
    bomb = next(r for r in records if r.identity == "6")
    assert bomb.data["content"] == "&lol1;" * 10  # CDATA: text, never expanded


def test_https_namespace_and_wxr_1_0_are_read() -> None:
    theme, _, _ = read(REALDATA / "wpimporter--theme-unit-test-data.xml")
    old, _, _ = read(REALDATA / "wpimporter--valid-wxr-1.0.xml")
    assert theme[0].data["site"]["wxr_version"] == "1.2" and theme[0].data["post_name"]
    assert {r.kind for r in old} == {"post", "page"}
    assert old[0].data["author"]["login"] and old[0].data["author"]["email"] is None


def test_multiline_author_logins_are_trimmed() -> None:
    (record,), _, _ = read(REALDATA / "wpimporter--authors-multiline.xml")
    author = record.data["author"]
    assert (author["login"], author["email"], author["id"]) == ("alice", "alice@example.com", "1")


def test_featured_image_and_alt_are_resolved() -> None:
    records, _, _ = read(REALDATA / "ghost-mgwpxml--sample-with-alt.xml")
    post = next(r for r in records if r.kind == "post")
    attachment = next(r for r in records if r.kind == "attachment")
    image = post.data["featured_image"]
    assert image["id"] == attachment.identity
    assert image["url"] == attachment.data["attachment_url"]
    assert image["alt"] and image["alt"] == attachment.data["alt"]
    # The attachment's own caption is empty: the featured image's falls back to its
    # description (content:encoded); the attachment list keeps it as exported.
    (attached,) = post.data["attachments"]
    assert attached == {**image, "caption": ""}
    assert image["caption"] == image["description"] != ""


def test_serialized_meta_with_multibyte_strings() -> None:
    path = REALDATA / "wpimporter--test-serialized-postmeta-with-cdata.xml"
    (record,), _, _ = read(path)
    serialized = re.findall(rb"<wp:meta_value><!\[CDATA\[a:\d+:\{", path.read_bytes())
    decoded = [v for v in record.data["meta"].values() if isinstance(v, dict | list)]
    assert len(decoded) == len(serialized) == 3
    assert not record.warnings
    # s:13 counts the UTF-8 bytes of the 9-character shrug.
    assert record.data["meta"]["array"] == {"key": "¯\\_(ツ)_/¯"}
    assert record.data["meta"]["array-nested"]["key"]["bar"] == "\\o/"
    assert record.data["meta"]["evil"] == "<wp:meta_value>evil</wp:meta_value>"


def test_serialized_objects_and_comment_meta() -> None:
    (utw,), _, _ = read(REALDATA / "wpimporter--test-utw-post-meta-import.xml")
    tags = utw.data["meta"]["test"]
    assert len(tags) == 13 and tags[0] == {"__class__": "stdClass", "tag": "album"}
    (post,), _, _ = read(REALDATA / "wpimporter--test-serialized-comment-meta.xml")
    (comment,) = post.data["comments"]
    assert any(isinstance(v, dict | list) for v in comment["meta"].values())


def test_categories_tags_and_dates() -> None:
    records, _, _ = read(REALDATA / "wpimporter--small-export.xml")
    assert len(records) == 11
    statuses = Counter(r.data["status"] for r in records)
    assert set(statuses) <= {"publish", "draft", "private", "pending", "future"}
    for r in records:
        for term in r.data["categories"] + r.data["tags"]:
            assert term["name"] and set(term) == {"name", "slug", "description"}
        if r.data["date_gmt"]:
            assert r.data["date_gmt"].endswith("+00:00")
    assert any(t["name"] == "远征手记" for r in records for t in r.data["categories"])


def test_slugs_are_made_when_missing() -> None:
    records, _, _ = read(REALDATA / "ghost-mgwpxml--sample-no-slug.xml")
    assert all(r.data["slug"] for r in records)
    assert any(r.data["post_name"] == "" for r in records)


def test_post_types_option_reads_only_those() -> None:
    path = REALDATA / "wpimporter--theme-unit-test-data.xml"
    records, errors, source = read(path, post_types=["page", "nav_menu_item"])
    expected = Counter(t for t, _ in raw_items(path))
    # The theme data repeats some menu item ids: those are reported, not read twice.
    assert all("duplicate post id" in e.reason for e in errors)
    assert Counter(r.kind for r in records) == {
        "page": expected["page"],
        "nav_menu_item": expected["nav_menu_item"] - len(errors),
    }
    menu_ids = Counter(i for t, i in raw_items(path) if t == "nav_menu_item")
    assert len(errors) == sum(n - 1 for n in menu_ids.values())
    assert source.stats.skipped_types["post"] == expected["post"]
