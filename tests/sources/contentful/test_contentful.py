"""Contentful space exports: entries, locales, links, Rich Text, bad input, and a
two-locale export migrated into the emulator as multi-locale pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import REALDATA, needs_realdata

from migrator.engine import RunOptions, run_migration
from migrator.errors import RecordError
from migrator.mapping import load_mapping
from migrator.records import Record
from migrator.sources import ContentfulSource, open_source
from migrator.sources.contentful.richtext import contentful_html
from migrator.sources.rendering import Rendering

ROOT = Path(__file__).resolve().parents[3]
TWO_LOCALES = ROOT / "tests" / "cases" / "json-contentful-two-locales.json"
MAPPING = ROOT / "mappings" / "contentful_articles.toml"
GATSBY = REALDATA / "json" / "contentful-starter-gatsby-blog--export.json"


def records(path: Path, **options: Any) -> dict[str, Record]:
    items = list(open_source("contentful", path, **options).records())
    assert all(isinstance(i, Record) for i in items), [str(i) for i in items]
    return {i.identity: i for i in items if isinstance(i, Record)}


def link(kind: str, target: str) -> dict[str, Any]:
    return {"sys": {"type": "Link", "linkType": kind, "id": target}}


def text(value: str, *marks: str) -> dict[str, Any]:
    return {"nodeType": "text", "value": value, "marks": [{"type": m} for m in marks], "data": {}}


def node(kind: str, *content: dict[str, Any], **data: Any) -> dict[str, Any]:
    return {"nodeType": kind, "data": data, "content": list(content)}


def test_rich_text_renders_every_node_type_and_escapes_text() -> None:
    document = node(
        "document",
        node("heading-1", text("Title <1>")),
        node(
            "paragraph",
            text("plain & "),
            text("bold", "bold"),
            text(" "),
            text("both", "bold", "italic"),
            text(" "),
            node("hyperlink", text("link"), uri='https://x.test/?a=1&b="2"'),
            text(" "),
            node("hyperlink", text("bad"), uri="javascript:alert(1)"),
            text(" "),
            node("embedded-entry-inline", target=link("Entry", "e1")),
        ),
        node("unordered-list", node("list-item", node("paragraph", text("one")))),
        node("ordered-list", node("list-item", node("paragraph", text("two")))),
        node("blockquote", node("paragraph", text("quoted", "code"))),
        node("hr"),
        node("embedded-asset-block", target=link("Asset", "a1")),
        node("embedded-asset-block", target=link("Asset", "gone")),
        node("embedded-entry-block", target=link("Entry", "e2")),
        node(
            "table",
            node("table-row", node("table-header-cell", node("paragraph", text("h")))),
            node("table-row", node("table-cell", node("paragraph", text("c")))),
        ),
        node("mystery", text("kept")),
    )
    rendering = Rendering(
        asset=lambda i: ("https://img.test/a.png", 'An "A"') if i == "a1" else None,
        entry=lambda i: (None, "Ada") if i == "e1" else None,
    )
    assert contentful_html(document, rendering) == (
        "<h1>Title &lt;1&gt;</h1>"
        "<p>plain &amp; <strong>bold</strong> <em><strong>both</strong></em> "
        '<a href="https://x.test/?a=1&amp;b=&quot;2&quot;">link</a> bad '
        '<span data-entry="e1">Ada</span></p>'
        "<ul><li><p>one</p></li></ul><ol><li><p>two</p></li></ol>"
        "<blockquote><p><code>quoted</code></p></blockquote><hr>"
        '<img src="https://img.test/a.png" alt="An &quot;A&quot;">'
        '<div data-entry="e2"></div>'
        "<table><tr><th><p>h</p></th></tr><tr><td><p>c</p></td></tr></table>kept"
    )
    assert rendering.warnings == [
        "embedded asset 'gone' is not in the export; left out",
        "embedded entry 'e2' is not in the export",
        "rich text node 'mystery' is not supported; kept its text",
    ]


def test_two_locale_entries_views_links_and_fallbacks() -> None:
    by_id = records(TWO_LOCALES, locale_map={"en-US": "en"}, reference_fields={"person": "name"})
    assert sorted(by_id) == ["ada", "hiring", "pricing", "roadmap", "welcome"]
    welcome = by_id["welcome"]
    assert (welcome.kind, welcome.location.position) == ("article", "entries[1]")
    data = welcome.data
    assert data["status"] == "published"  # version = publishedVersion + 1: no newer edits
    assert data["fields"]["title"] == {
        "en": "Welcome to the new site",
        "es": "Bienvenidos al nuevo sitio",
    }
    # Asset link → the file URL; entry link → the person's name (reference_fields).
    assert data["fields"]["heroImage"] == {"en": "http://media.invalid/img/red.png"}
    assert data["fields"]["author"] == {"en": "Ada Lovelace"}
    assert data["fields"]["body"]["es"].startswith("<h2>Un nuevo comienzo</h2>")
    assert (
        '<img src="http://media.invalid/img/red.png" alt="Un cuadrado rojo">'
        in (data["fields"]["body"]["es"])
    )
    # Non-localized fields appear in every locale view; es falls back to en (fallbackCode).
    assert data["locales"]["es"]["heroImage"] == "http://media.invalid/img/red.png"
    roadmap = by_id["roadmap"].data
    assert "es" not in roadmap["fields"]["summary"]
    assert roadmap["locales"]["es"]["summary"] == "What ships this year."
    assert roadmap["locales"]["es"]["title"] == "Nuestra hoja de ruta 2024"


def test_locale_codes_kept_without_a_map_and_links_as_ids() -> None:
    welcome = records(TWO_LOCALES)["welcome"].data
    assert set(welcome["locales"]) == {"en-US", "es"}
    assert welcome["fields"]["author"] == {"en-US": "ada"}


@needs_realdata(GATSBY)
def test_gatsby_rich_text_and_assets_against_json_load() -> None:
    raw = json.loads(GATSBY.read_text(encoding="utf-8"))
    by_id = records(GATSBY, reference_fields={"person": "name"})
    assert len(by_id) == len(raw["entries"])
    post = by_id["3K9b0esdy0q0yGqgW2g6Ke"].data["fields"]
    assert post["body"]["en-US"].startswith(
        "<p>These is your very first content with Contentful, pulled in JSON format using the "
        '<a href="https://www.contentful.com/developers/docs/references/content-delivery-api/">'
        "Content Delivery API</a>. Content and presentation"
    )
    assert post["heroImage"]["en-US"].startswith("https://images.contentful.com/28p9vvm1oxuw/")
    assert post["author"] == {"en-US": "John Doe"}
    assert "available at <code>cdn.contentful.com</code>, is a read-only" in post["body"]["en-US"]


def test_bad_entries_reported_by_position_and_the_rest_goes_through(tmp_path: Path) -> None:
    def entry(i: str | None, ctype: str | None = "post", **fields: Any) -> dict[str, Any]:
        sys: dict[str, Any] = {"type": "Entry"}
        if i is not None:
            sys["id"] = i
        if ctype is not None:
            sys["contentType"] = link("ContentType", ctype)
        return {"sys": sys, "fields": {k: {"en-US": v} for k, v in fields.items()}}

    doc = {
        "entries": [
            entry("a", title="A", img=link("Asset", "nope"), other=link("Entry", "ghost")),
            entry("a", title="again"),
            entry(None, title="no id"),
            entry("c", None, title="no type"),
            entry("d", title="D"),
        ],
        "locales": [{"code": "en-US", "default": True}],
    }
    path = tmp_path / "space.json"
    path.write_bytes(orjson.dumps(doc))
    items = list(ContentfulSource(path).records())
    good = [i for i in items if isinstance(i, Record)]
    bad = [i for i in items if isinstance(i, RecordError)]
    assert [r.identity for r in good] == ["a", "d"]
    assert good[0].data["fields"]["img"] == {"en-US": None}
    assert good[0].data["fields"]["other"] == {"en-US": "ghost"}
    assert good[0].warnings == (
        "asset left out, it is not in the export: img.en-US links to asset 'nope'",
        "reference not followed, its entry is not in the export: other.en-US links to entry "
        "'ghost', kept its id",
    )
    assert [getattr(w, "field", None) for w in good[0].warnings] == ["img", "other"]
    assert [(e.file, e.reason) for e in bad] == [
        (f"{path}@entries[1]", "duplicate entry id, first seen at entries[0]"),
        (f"{path}@entries[2]", "the entry has no sys.id"),
        (f"{path}@entries[3]", "the entry has no content type (sys.contentType.sys.id)"),
    ]


def test_truncated_export_keeps_the_entries_before_the_break(tmp_path: Path) -> None:
    text = TWO_LOCALES.read_text(encoding="utf-8")
    cut = text[: text.index('"pricing"')]
    path = tmp_path / "cut.json"
    path.write_text(cut, encoding="utf-8")
    items = list(ContentfulSource(path).records())
    assert [i.identity for i in items if isinstance(i, Record)] == ["ada", "welcome"]
    (error,) = [i for i in items if isinstance(i, RecordError)]
    assert error.file == f"{path}@byte {len(cut.encode())}"


def test_sniff_and_describe() -> None:
    head = TWO_LOCALES.read_bytes()[:65536]
    assert ContentfulSource.sniff(TWO_LOCALES, head)
    assert not ContentfulSource.sniff(TWO_LOCALES, b'{"db": [{"meta": {}}]}')
    summary = ContentfulSource(TWO_LOCALES, locale_map={"en-US": "en"}).describe()
    assert summary["records"] == 5 and summary["errors"] == 0
    assert summary["types"]["article"]["count"] == 4
    assert summary["types"]["article"]["fields"]["title"]["count"] == 4
    assert summary["locales"] == [
        {"code": "en", "default": True, "fallback": None},
        {"code": "es", "default": False, "fallback": "en"},
    ]
    assert summary["assets"] == 2
    assert summary["content_types"]["article"]["name"] == "Article"


# --- end to end: a two-locale export into the emulator -----------------------------------


@pytest.mark.anyio
async def test_two_locale_export_migrates_as_multi_locale_pages(
    emulator, media_server, tmp_path: Path
) -> None:
    mapping = load_mapping(MAPPING, variables={"media_base": f"{media_server.url}/img"})
    options = RunOptions(
        ledger_path=tmp_path / "run.ledger.sqlite",
        failures_path=tmp_path / "run.failures.jsonl",
        preview_path=tmp_path / "run.preview.jsonl",
        rate=500.0,
        concurrency=4,
        backoff_base=0.01,
        backoff_cap=0.05,
        settle_delay=0.2,
        show_progress=False,
    )
    stats = await run_migration(
        mapping,
        TWO_LOCALES,
        options,
        base_url=emulator.base_url,
        write_token="w-token",
        read_token="r-token",
    )
    await emulator.settle()
    state = emulator.state()
    assert state["failures"] == []
    assert stats.sent.accepted == 4 and stats.sent.failed == 0 and stats.exit_code == 0
    pages = state["pages"]["landing_page"]
    assert sorted(pages) == ["pricing-explained", "roadmap-2024", "we-are-hiring", "welcome"]
    welcome = pages["welcome"]["fields"]
    assert welcome["en"]["headline"] == "Welcome to the new site"
    assert welcome["es"]["headline"] == "Bienvenidos al nuevo sitio"
    assert welcome["es"]["summary"] == "Por qué trasladamos nuestro contenido."
    # Partly translated: the mapping falls back to English for the missing Spanish.
    roadmap = pages["roadmap-2024"]["fields"]
    assert roadmap["es"]["headline"] == "Nuestra hoja de ruta 2024"
    assert roadmap["es"]["summary"] == roadmap["en"]["summary"] == "What ships this year."
    # Media fields were fetched from the (rewritten) asset URLs.
    assert {"/img/red.png", "/img/green.png"} <= set(media_server.requests)
    assert (
        welcome["en"]["hero_image"] and welcome["en"]["hero_image"] == welcome["es"]["hero_image"]
    )


def test_summary_of_a_read(tmp_path: Path) -> None:
    source = ContentfulSource(TWO_LOCALES)
    list(source.records())
    assert source.stats.summary() == []
    text = TWO_LOCALES.read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"pricing"')], encoding="utf-8")
    broken = ContentfulSource(cut)
    list(broken.records())
    size = cut.stat().st_size
    assert broken.stats.summary() == [
        f"{cut}@byte {size}: the file ends in the middle of the JSON (truncated?)",
        "1 record could not be read",
        "1 record read with warnings",  # its asset was after the break
    ]


def test_rich_text_links_and_embeds_not_in_the_export_name_their_field(tmp_path: Path) -> None:
    """Before: a plain warning for the embeds, none at all for a hyperlink to a missing
    asset or entry (its text kept, the link gone)."""
    body = node(
        "document",
        node("embedded-asset-block", target=link("Asset", "gone")),
        node("paragraph", node("entry-hyperlink", text("see"), target=link("Entry", "nope"))),
    )
    doc = {
        "entries": [
            {
                "sys": {"id": "e", "type": "Entry", "contentType": link("ContentType", "post")},
                "fields": {"body": {"en-US": body}},
            }
        ],
        "locales": [{"code": "en-US", "default": True}],
    }
    path = tmp_path / "space.json"
    path.write_bytes(orjson.dumps(doc))
    (record,) = records(path).values()
    assert record.data["fields"]["body"] == {"en-US": "<p>see</p>"}
    assert record.warnings == (
        "rich text lost a link or embed: body.en-US embedded asset 'gone' is not in the "
        "export; left out",
        "rich text lost a link or embed: body.en-US link to entry 'nope', not in the "
        "export: kept its text",
    )
    assert [getattr(w, "field", None) for w in record.warnings] == ["body", "body"]
