"""The WXR source on hand-written exports: attacks, damage, translations, PHP meta."""

from __future__ import annotations

from pathlib import Path

import pytest

import migrator.sources.wordpress.recover as recover
from migrator.errors import ConfigError, RecordError, SourceError
from migrator.records import Record
from migrator.sources import open_source
from migrator.sources.wordpress.php import PhpError, maybe_unserialize, unserialize

pytestmark = pytest.mark.timeout(30)

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{ns}">\n<channel>\n'
    "<wp:wxr_version>1.2</wp:wxr_version>\n"
)
TAIL = "</channel>\n</rss>\n"


def item(post_id: int | str, title: str = "T", *, extra: str = "", content: str = "x") -> str:
    return (
        f"<item><title>{title}</title>\n<wp:post_id>{post_id}</wp:post_id>\n"
        f"<content:encoded><![CDATA[{content}]]></content:encoded>\n"
        f"<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>{extra}</item>\n"
    )


def export(
    tmp_path: Path,
    body: str,
    *,
    ns: str = "http://wordpress.org/export/1.2/",
    raw: bytes | None = None,
) -> Path:
    path = tmp_path / "export.xml"
    path.write_bytes(raw if raw is not None else (HEAD.format(ns=ns) + body + TAIL).encode())
    return path


def read(path: Path, **options) -> tuple[list[Record], list[RecordError], object]:
    source = open_source("wxr", path, **options)
    items = list(source.records())
    return (
        [i for i in items if isinstance(i, Record)],
        [i for i in items if isinstance(i, RecordError)],
        source,
    )


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_namespace_variants(tmp_path: Path, scheme: str, version: str) -> None:
    path = export(tmp_path, item(1) + item(2), ns=f"{scheme}://wordpress.org/export/{version}/")
    records, errors, _ = read(path)
    assert [r.identity for r in records] == ["1", "2"] and errors == []


def test_a_lookalike_namespace_is_not_wordpress(tmp_path: Path) -> None:
    path = export(tmp_path, item(1), ns="http://wordpress.org.evil/export/1.2/")
    records, errors, _ = read(path)
    assert records == [] and "no <wp:post_id>" in errors[0].reason


def no_id(title: str, *, guid: str = "", link: str = "") -> str:
    """An item as some generators write it: no <wp:post_id>."""
    return (
        f"<item><title>{title}</title><guid>{guid}</guid><link>{link}</link>\n"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item>\n"
    )


def test_items_without_a_post_id_are_known_by_guid_then_link(tmp_path: Path) -> None:
    path = export(
        tmp_path,
        item(7)
        + no_id("A", guid="http://s/?p=1", link="http://s/a/")
        + no_id("B", link="http://s/b/")  # no guid: the link
        + no_id("C", guid="http://s/?p=3", link="http://s/c/")
        + no_id("D", guid="http://s/?p=3", link="http://s/d/")  # C's guid: both by link
        + no_id("E", guid="http://s/?p=1", link="http://s/a/")  # A again: no way to tell
        + no_id("F"),  # nothing to know it by
    )
    records, errors, source = read(path)
    # A and E share guid and link: A is known by its link, E is a duplicate of it.
    assert [r.identity for r in records] == ["7", "http://s/a/", "http://s/b/", "http://s/c/",
                                             "http://s/d/"]  # fmt: skip
    assert [r.data["post_id"] for r in records] == ["7", "", "", "", ""]
    duplicate, nothing = errors
    assert "duplicate item http://s/a/" in duplicate.reason and "first seen at line" in (
        duplicate.reason
    )
    assert "no <guid> and no <link>" in nothing.reason
    assert source.stats.by_guid == 4
    assert "4 items without <wp:post_id>: identified by <guid> (else <link>)" in (
        source.stats.summary()
    )


def test_a_protected_post_is_read_as_a_draft_unless_published_on_purpose(tmp_path: Path) -> None:
    protected = "<wp:post_password>enter</wp:post_password>"
    path = export(tmp_path, item(1, extra=protected) + item(2) + item(3, extra=protected
                  ).replace("publish", "pending"))  # fmt: skip
    records, _, _ = read(path)
    assert [r.data["status"] for r in records] == ["draft", "publish", "pending"]
    (warning,) = records[0].warnings
    assert warning.startswith("password-protected, sent as a draft") and warning.field == "status"
    assert records[1].warnings == records[2].warnings == ()
    records, _, _ = read(path, publish_protected=True)
    assert [r.data["status"] for r in records] == ["publish", "publish", "pending"]
    assert all(r.warnings == () for r in records)
    with pytest.raises(ConfigError, match="publish_protected"):
        open_source("wxr", path, publish_protected="yes")


# --- attacks -----------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<item><title>&lol3;</title><wp:post_id>1</wp:post_id></item></channel></rss>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<item><title>&xxe;</title><wp:post_id>1</wp:post_id></item></channel></rss>
"""
PARAMETER_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel></channel></rss>
"""


@pytest.mark.parametrize("raw", [BILLION_LAUGHS, XXE, PARAMETER_XXE], ids=["laughs", "xxe", "pe"])
def test_entity_declarations_are_refused(tmp_path: Path, raw: bytes) -> None:
    path = export(tmp_path, "", raw=raw)
    with pytest.raises(SourceError, match="refused: the file declares XML entities"):
        read(path)


def test_undeclared_entities_stay_text(tmp_path: Path) -> None:
    path = export(tmp_path, item(1, title="&lol3; &copy; &mdash; &nbsp;"))
    (record,), _, source = read(path)
    assert record.data["title"] == "&lol3; © — \xa0"  # kept as exported: no strip
    assert source.stats.repairs["unknown entities kept as text"] == 1


# --- damage ------------------------------------------------------------------------------


def test_nul_bytes_and_control_characters_are_removed(tmp_path: Path) -> None:
    body = item(1, title="Hel\x00lo\x07", content="a\x00b")
    (record,), errors, source = read(export(tmp_path, body))
    assert errors == []
    assert (record.data["title"], record.data["content"]) == ("Hello", "ab")
    assert source.stats.repairs == {"control characters removed": 3}


def test_invalid_utf8_becomes_replacement_characters(tmp_path: Path) -> None:
    raw = HEAD.format(ns="http://wordpress.org/export/1.2/") + item(1, title="caf_") + TAIL
    path = export(tmp_path, "", raw=raw.encode().replace(b"caf_", b"caf\xe9"))
    (record,), _, source = read(path)
    assert record.data["title"] == "caf\ufffd"
    assert source.stats.repairs["invalid UTF-8 replaced"] == 1


def test_undeclared_wp_prefix_is_declared(tmp_path: Path) -> None:
    raw = (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel>\n'
        + item(7, content="hi").replace("<content:encoded>", "<content:encoded>")
        + TAIL
    )
    (record,), errors, _ = read(export(tmp_path, "", raw=raw.encode()))
    assert (record.identity, record.data["content"]) == ("7", "hi") and errors == []


def test_bad_character_references_are_replaced(tmp_path: Path) -> None:
    (record,), _, source = read(export(tmp_path, item(1, title="a&#xD800;b&#0;c&#65;")))
    assert record.data["title"] == "a\ufffdb\ufffdcA"
    assert source.stats.repairs["invalid character references replaced"] == 2


def test_a_broken_item_is_reported_and_the_next_one_read(tmp_path: Path) -> None:
    broken = (
        "<item><title>Broken</title>\n<wp:post_id>2</wp:post_id>\n<wp:status>publish</wp:bad>\n"
    )
    body = item(1) + broken + "</item>\n" + item(3)
    records, errors, _ = read(export(tmp_path, body))
    assert [r.identity for r in records] == ["1", "3"]
    (error,) = errors
    assert error.identity == "2" and error.line == 9
    assert "tags do not match" in error.reason


def test_a_file_cut_in_the_middle_keeps_every_complete_item(tmp_path: Path) -> None:
    whole = (HEAD.format(ns="http://wordpress.org/export/1.2/") + item(1) * 0).encode()
    body = "".join(item(i) for i in range(1, 201))
    raw = whole + body.encode()
    cut = raw[: raw.index(b"<wp:post_id>150<") + 20]
    records, errors, _ = read(export(tmp_path, "", raw=cut))
    assert [r.identity for r in records] == [str(i) for i in range(1, 150)]
    assert len(errors) == 1 and errors[0].identity == "150"


@pytest.mark.parametrize(
    "raw",
    [b"", b"not xml at all, a CSV maybe\n1,2,3\n", b"\x00\x01\x02" * 100, b"<" * 10_000],
    ids=["empty", "text", "binary", "brackets"],
)
def test_garbage_is_a_source_error_not_a_traceback(tmp_path: Path, raw: bytes) -> None:
    with pytest.raises(SourceError):
        read(export(tmp_path, "", raw=raw))


def test_repairs_work_across_chunk_boundaries(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(recover, "CHUNK", 7)  # every token is split somewhere
    titles = ["A & B", "x &mdash; y", "caf\u00e9 \u4e2d\u6587", "]]> in text"]
    body = "".join(
        item(i, title=t.replace("]]>", "]]&gt;"), content=f"c{i} ]]]]><![CDATA[> d")
        for i, t in enumerate(titles, 1)
    )
    records, errors, _ = read(export(tmp_path, body))
    assert [r.data["title"] for r in records] == ["A & B", "x — y", titles[2], "]]> in text"]
    assert all(r.data["content"].endswith("]]> d") for r in records) and errors == []


def test_malformed_urls_are_read_as_no_url_not_a_crash(tmp_path: Path) -> None:
    # urlsplit raises "Invalid IPv6 URL" on an unbalanced "[" (found by test_fuzz.py).
    bad = "http://[example.com/x"
    path = export(
        tmp_path,
        item(1, extra=f"<link>{bad}</link>", content=f'<a href="{bad}">a</a>')
        + item(2, extra=f"<wp:attachment_url>{bad}</wp:attachment_url>").replace(
            "<wp:post_type>post", "<wp:post_type>attachment"
        ),
    )
    summary = open_source("wxr", path).describe()
    assert summary["items"] == 2
    assert summary["internal_links"] == {"links": 0, "items": 0}
    assert summary["attachment_hosts"] == {"(relative)": 1}


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    records, errors, _ = read(export(tmp_path, item(5) + item(5, title="again")))
    assert [r.identity for r in records] == ["5"]
    assert errors[0].reason == "duplicate post id 5, first seen at line 5"


def test_duplicate_ids_of_any_shape_are_reported(tmp_path: Path) -> None:
    # A merged site's ids (far above the bitmap's range) and ids that are no number.
    body = "".join(item(i) for i in (300_000_001, 8_388_608, 8_388_607, 12))
    body += item(300_000_001, title="again") + item(12, title="again")
    body += item("abc-1") + item("abc-1", title="again")
    records, errors, _ = read(export(tmp_path, body))
    assert [r.identity for r in records] == ["300000001", "8388608", "8388607", "12", "abc-1"]
    assert [e.reason.split(",")[0] for e in errors] == [
        "duplicate post id 300000001",
        "duplicate post id 12",
        "duplicate post id abc-1",
    ]


def test_the_id_set_stays_small_whatever_the_ids() -> None:
    from migrator.sources.wordpress.ids import IdSet

    ids = IdSet()
    try:
        # A run of large ids takes a block or two; ids that are no number go to disk.
        for n in range(20_000):
            assert not ids.add(str(300_000_001 + n)) and not ids.add(f"guid-{n}")
        assert ids.add("300000001") and ids.add("guid-7") and not ids.add("7")
        assert ids.add("007")  # the same number, as WordPress reads it
        assert "guid-19999" in ids and "guid-20000" not in ids and "300019999" in ids
        assert len(ids.blocks) == 2  # the run, and 7
        # Scattered numbers: the bitmap stops at its budget, the rest go to disk.
        scattered = [str(k * IdSet.BLOCK * 3 + 5) for k in range(1, 1_000)]
        assert not any(ids.add(i) for i in scattered)
        assert len(ids.blocks) == IdSet.MAX_BLOCKS
        assert all(ids.add(i) for i in scattered) and all(i in ids for i in scattered)
        assert str(IdSet.BLOCK * 3 * 2_000) not in ids
    finally:
        ids.close()


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="list of post types"):
        open_source("wxr", "x.xml", post_types="post")
    with pytest.raises(ConfigError, match="true or false"):
        open_source("wxr", "x.xml", group_translations="yes")


# --- translations ------------------------------------------------------------------------


def polylang(post_id: int, lang: str, group: str, title: str) -> str:
    cats = (
        f'<category domain="language" nicename="{lang}"><![CDATA[{lang}]]></category>'
        f'<category domain="post_translations" nicename="{group}"><![CDATA[{group}]]></category>'
    )
    return item(post_id, title=title, extra=cats)


def wpml(post_id: int, lang: str, group: str, title: str, source: str = "") -> str:
    meta = "".join(
        f"<wp:postmeta><wp:meta_key>{k}</wp:meta_key><wp:meta_value>{v}</wp:meta_value>"
        "</wp:postmeta>"
        for k, v in (
            ("_wpml_import_language_code", lang),
            ("_wpml_import_translation_group", group),
            ("_wpml_import_source_language_code", source),
        )
    )
    return item(post_id, title=title, extra=meta)


def test_polylang_translations_are_grouped(tmp_path: Path) -> None:
    body = (
        polylang(1, "es", "pll_a", "Hola")
        + item(9, title="alone")
        + polylang(2, "en", "pll_a", "Hello")
        + polylang(3, "en", "pll_b", "Single")
    )
    path = export(tmp_path, body)
    plain, _, _ = read(path)
    assert [(r.identity, r.data["language"], r.data["translation_group"]) for r in plain] == [
        ("1", "es", "pll_a"),
        ("9", None, None),
        ("2", "en", "pll_a"),
        ("3", "en", "pll_b"),
    ]
    grouped, errors, _ = read(path, group_translations=True, default_language="en")
    assert [r.identity for r in grouped] == ["9", "2", "3"] and errors == []
    merged = grouped[1]
    assert merged.data["title"] == "Hello" and merged.data["translation_ids"] == ["1", "2"]
    assert {k: v["title"] for k, v in merged.data["translations"].items()} == {
        "es": "Hola",
        "en": "Hello",
    }


def test_wpml_groups_keep_the_original_first(tmp_path: Path) -> None:
    body = wpml(1, "de", "g1", "Hallo", source="fr") + wpml(2, "fr", "g1", "Bonjour")
    grouped, _, _ = read(export(tmp_path, body), group_translations=True)
    (record,) = grouped
    assert record.identity == "2" and sorted(record.data["translations"]) == ["de", "fr"]


# --- PHP unserialize ---------------------------------------------------------------------


def test_unserialize_values() -> None:
    assert unserialize(b'a:2:{i:0;s:1:"a";i:1;d:0.5;}') == ["a", 0.5]
    assert unserialize(b'a:2:{s:1:"k";b:1;i:5;N;}') == {"k": True, "5": None}
    assert unserialize('s:5:"café";'.encode()) == "café"  # 5 bytes, 4 characters
    nested = unserialize(b'a:1:{s:1:"a";a:1:{s:1:"b";a:1:{i:0;i:-3;}}}')
    assert nested == {"a": {"b": [-3]}}
    assert unserialize(b'O:8:"stdClass":1:{s:3:"tag";s:5:"album";}') == {
        "__class__": "stdClass",
        "tag": "album",
    }


@pytest.mark.parametrize(
    "raw",
    ['s:4:"café";', 'a:2:{i:0;s:1:"a";}', "a:1:{i:0;x:1;}", 'a:1:{s:1:"a";s:1:"b";}}'],
)
def test_bad_serialized_data_is_kept_as_text_with_a_problem(raw: str) -> None:
    value, problem = maybe_unserialize(raw)
    assert value == raw and problem and "kept as text" in problem


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b's:4:"caf\xc3\xa9";', "string of 4 bytes at byte 5 does not end where its length says"),
        (b's:-1:"";', "bad length b'-1' before byte 6"),
        (b"i:5x;", "bad integer b'5x'"),
        (b'a:2:{i:0;s:1:"a";}', "unknown type b'}' at byte 17"),
        (b"a:1:{a:0:{}i:1;}", "array key must be an integer or a string, got []"),
        (b'a:1:{i:0;s:100:"x";}', "string of 100 bytes at byte 16 does not end"),
    ],
)
def test_bad_serialized_data_says_where(raw: bytes, message: str) -> None:
    with pytest.raises(PhpError) as caught:
        unserialize(raw)
    assert str(caught.value).startswith(message)


def test_unusual_but_valid_serialized_numbers() -> None:
    assert unserialize(b's:+3:"abc";') == unserialize(b's:03:"abc";') == "abc"
    assert unserialize(b"a:+1:{i:0;i:+1;}") == [1]
    assert unserialize(b"a:3:{i:0;i:1;i:2;i:3;i:1;i:4;}") == {"0": 1, "2": 3, "1": 4}


@pytest.mark.parametrize(
    ("written", "date", "date_gmt"),
    [
        ("2012-01-05 14:30:46", "2012-01-05T14:30:46", "2012-01-05T14:30:46+00:00"),
        ("2012-02-30 14:30:46", "2012-02-30 14:30:46", "2012-02-30 14:30:46"),  # no such day
        ("0000-00-00 00:00:00", None, None),  # WordPress's "never"
        ("0000-05-05 00:00:00", "0000-05-05 00:00:00", "0000-05-05 00:00:00"),
        ("5 Jan 2012", "5 Jan 2012", "5 Jan 2012"),  # for the mapping's date transform
    ],
)
def test_item_dates(tmp_path: Path, written: str, date: str | None, date_gmt: str | None) -> None:
    dates = f"<wp:post_date>{written}</wp:post_date><wp:post_date_gmt>{written}</wp:post_date_gmt>"
    records, _, _ = read(export(tmp_path, item(1, extra=dates)))
    assert (records[0].data["date"], records[0].data["date_gmt"]) == (date, date_gmt)


def test_plain_text_is_not_unserialized() -> None:
    assert maybe_unserialize("hello; world") == ("hello; world", None)
    assert maybe_unserialize("5") == ("5", None)


def test_deep_nesting_is_bounded() -> None:
    raw = b"a:1:{i:0;" * 200 + b"N;" + b"}" * 200
    with pytest.raises(PhpError, match="nested deeper"):
        unserialize(raw)


def test_bad_meta_is_a_warning_on_the_record(tmp_path: Path) -> None:
    extra = (
        "<wp:postmeta><wp:meta_key>broken</wp:meta_key>"
        '<wp:meta_value><![CDATA[a:1:{s:9:"café";i:1;}]]></wp:meta_value></wp:postmeta>'
    )
    (record,), _, _ = read(export(tmp_path, item(1, extra=extra)))
    assert record.data["meta"]["broken"] == 'a:1:{s:9:"café";i:1;}'
    assert any("meta 'broken'" in w for w in record.warnings)


# --- the summary a person sees at the end of a run --------------------------------------------


def typed(post_id: int, post_type: str) -> str:
    return item(post_id).replace("<wp:post_type>post<", f"<wp:post_type>{post_type}<")


def test_summary_of_a_clean_export_is_empty(tmp_path: Path) -> None:
    _, _, source = read(export(tmp_path, item(1) + item(2)))
    assert source.stats.summary() == []


def test_summary_counts_the_skipped_types(tmp_path: Path) -> None:
    body = item(1) + typed(2, "nav_menu_item") + typed(3, "revision") + typed(4, "nav_menu_item")
    _, _, source = read(export(tmp_path, body))
    assert source.stats.summary() == [
        "skipped 2 nav_menu_item items",
        "skipped 1 revision item",
    ]
    _, _, pages = read(export(tmp_path, body + typed(5, "page")), post_types=["page"])
    assert pages.stats.summary()[0] == "skipped 2 nav_menu_item items"


def test_summary_of_a_damaged_export(tmp_path: Path) -> None:
    broken = "<item><title>Broken</title>\n<wp:post_id>2</wp:post_id>\n<wp:status>x</wp:bad>\n"
    body = item(1, title="A &mdash; B") + broken + "</item>\n" + item(3)
    _, _, source = read(export(tmp_path, body))
    summary = source.stats.summary()
    assert summary[0] == "not well-formed XML: read in recover mode (the notes say where)"
    assert f"{tmp_path / 'export.xml'}: repaired on reading: 1 × HTML entities made numeric" in (
        summary
    )
    assert summary[-1] == "1 record could not be read"


def test_a_damaged_file_after_a_sound_one_is_repaired_and_read_once(tmp_path: Path) -> None:
    # Files are first read as they are; the second one's bare "&" (late in it) sends it
    # to the repair pass and the first pass starts over: nothing is counted twice.
    folder = tmp_path / "site"
    folder.mkdir()
    head = HEAD.format(ns="http://wordpress.org/export/1.2/")
    thumb = (
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        "<wp:meta_value>9</wp:meta_value></wp:postmeta>"
    )
    (folder / "a.xml").write_text(head + item(1, extra=thumb) + item(2) + TAIL)
    damaged = item(3) + item(4, content="x") * 200 + item(5, title="Q &amp A")
    attachment = typed(9, "attachment").replace(
        "</item>", "<wp:attachment_url>http://s/9.jpg</wp:attachment_url></item>"
    )
    (folder / "b.xml").write_text(head + damaged + attachment + TAIL)
    records, errors, source = read(folder)
    assert [r.identity for r in records] == ["1", "2", "3", "4", "5", "9"]
    assert [e.reason.split(",")[0] for e in errors] == ["duplicate post id 4"] * 199
    assert records[0].data["featured_image"]["url"] == "http://s/9.jpg"
    assert records[4].data["title"] == "Q &amp A"
    assert f"{folder}: repaired on reading: 1 × bare & escaped" in source.stats.notes
    assert source.stats.well_formed and not source.stats.problems


@pytest.mark.parametrize("wrap", ["cdata", "text"])
def test_a_post_over_ten_megabytes_is_read_whole(tmp_path: Path, wrap: str) -> None:
    # Longer than lxml takes without huge_tree (what the first try runs with): read again
    # the other way, and whole.
    if wrap == "cdata":
        body = "<p>a &amp; b</p>" * (700 * 1024)
    else:
        body = ("x" * 100 + " &amp; ") * (100 * 1024)
    content = f"<![CDATA[{body}]]>" if wrap == "cdata" else body
    post = item(1).replace("<![CDATA[x]]>", content)
    records, errors, source = read(export(tmp_path, post + item(2)))
    assert not errors and [r.identity for r in records] == ["1", "2"]
    expected = body if wrap == "cdata" else body.replace("&amp;", "&")
    assert records[0].data["content"] == expected and len(content) > 10_000_000
    assert source.stats.well_formed and not source.stats.notes


def test_a_reindented_export_keeps_free_text_and_trims_what_names_things(tmp_path: Path) -> None:
    # Pretty-printers put newlines around CDATA: ids, slugs, dates and term names are
    # trimmed; free text (title, meta values) comes as exported and the mapping strips it.
    from migrator.mapping import load_mapping

    body = item(
        7,
        title="\n  <![CDATA[Hello  world]]>\n",
        extra=(
            "<wp:post_name>\n  <![CDATA[hello.html]]>\n</wp:post_name>\n"
            "<wp:post_date>\n 2020-01-02 03:04:05 \n</wp:post_date>\n"
            '<category domain="post_tag" nicename=" news ">\n  <![CDATA[News]]>\n</category>\n'
            "<wp:postmeta><wp:meta_key> _yoast_wpseo_metadesc </wp:meta_key>"
            "<wp:meta_value><![CDATA[  Said twice.  ]]></wp:meta_value></wp:postmeta>\n"
        ),
    )
    (record,), errors, _ = read(export(tmp_path, body))
    data = record.data
    assert errors == [] and record.identity == "7"
    assert data["title"] == "\n  Hello  world\n"
    assert (data["post_name"], data["date"]) == ("hello.html", "2020-01-02T03:04:05")
    assert data["tags"] == [{"name": "News", "slug": "news", "description": ""}]
    assert data["meta"] == {"_yoast_wpseo_metadesc": "  Said twice.  "}
    root = Path(__file__).resolve().parents[3]
    payload = load_mapping(root / "mappings" / "wordpress_posts.toml").compile()(record)
    assert payload is not None
    body_ = payload.body
    assert (body_["title"], body_["slug"], body_["tags"]) == ("Hello world", "hello", ["News"])
    assert body_["meta_description"] == "Said twice."


@pytest.mark.parametrize(
    ("pub_date", "date", "date_gmt"),
    [
        ("Sat, 27 May 2017 11:33:38 +0000", "2017-05-27T11:33:38", "2017-05-27T11:33:38+00:00"),
        ("Sat, 27 May 2017 13:33:38 +0200", "2017-05-27T13:33:38", "2017-05-27T11:33:38+00:00"),
        ("Sat, 27 May 2017 11:33:38 GMT", "2017-05-27T11:33:38", "2017-05-27T11:33:38+00:00"),
        ("Thu, 01 Jan 1970 00:00:00 +0000", None, None),  # WordPress's "never"
        ("Mon, 30 Nov -0001 00:00:00 +0000", None, None),
        ("not a date", None, None),
    ],
)
def test_dates_from_pub_date_when_there_is_no_post_date(
    tmp_path: Path, pub_date: str, date: str | None, date_gmt: str | None
) -> None:
    (record,), _, source = read(export(tmp_path, item(1, extra=f"<pubDate>{pub_date}</pubDate>")))
    assert (record.data["date"], record.data["date_gmt"]) == (date, date_gmt)
    assert record.data["pub_date"] == pub_date
    assert source.stats.pub_dated == (1 if date else 0)
    assert "_from_pub_date" not in record.data


def test_a_post_date_wins_over_pub_date(tmp_path: Path) -> None:
    # A WordPress draft: post_date set, post_date_gmt zero, pubDate a placeholder.
    extra = (
        "<pubDate>Sat, 27 May 2017 11:33:38 +0000</pubDate>"
        "<wp:post_date>2020-01-02 03:04:05</wp:post_date>"
        "<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>"
    )
    (record,), _, source = read(export(tmp_path, item(1, extra=extra)))
    assert (record.data["date"], record.data["date_gmt"]) == ("2020-01-02T03:04:05", None)
    assert source.stats.pub_dated == 0
