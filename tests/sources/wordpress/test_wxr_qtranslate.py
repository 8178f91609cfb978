"""qTranslate markup (migrator.sources.wordpress.qtranslate) and the WXR records of a
qTranslate site; the mapping's ``qtranslate`` transform is tested with the other
transforms in tests/mapping, a run into the emulator in test_wxr_qtranslate_run.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.records import Record
from migrator.sources import open_source, qtranslate_languages, qtranslate_text


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("[:en]Hello[:es]Hola[:]", {"en", "es"}),
        ("<!--:en-->Hi<!--:--><!--:pt_BR-->Oi<!--:-->", {"en", "pt_BR"}),
        ("[:en]Hi[:] and <!--:de-->Hallo<!--:-->", {"en", "de"}),
        ("No markup [: not a code] [:]", set()),
    ],
)
def test_languages(text: str, languages: set[str]) -> None:
    assert qtranslate_languages(text) == languages


def test_text_keeps_what_is_outside_the_markup_only_without_languages() -> None:
    assert qtranslate_text("[:en]Hello[:es]Hola[:]", "es") == "Hola"
    assert qtranslate_text("before [:] after", "es") == "before  after"
    assert qtranslate_text("<!--:en-->Hi<!--:-->", "fr") == ""


# A qTranslate site's export, written for the tests (no real export has the markup).
CASE = Path(__file__).resolve().parents[2] / "cases" / "wxr-qtranslate.xml"


def read(**options: object) -> dict[str, Record]:
    records = open_source("wxr", CASE, **options).records()
    return {r.identity: r for r in records if isinstance(r, Record)}


def test_the_comment_markers_are_kept_where_they_are_xml_comments() -> None:
    records = read()
    # <title> without CDATA: the markers were XML comments, which the parser dropped
    # ("Sous le cielUnder heaven"); now the text is as WordPress holds it.
    assert records["20"].data["title"] == (
        "<!--:fr-->Sous le ciel<!--:--><!--:en-->Under heaven<!--:-->"
    )
    assert records["30"].data["content"] == (
        "<!--:fr-->Nourrir le levain chaque jour.<!--:--><!--:en-->Feed the starter every "
        "day.<!--:-->"
    )
    # In CDATA the markers were text all along; the bracket form too.
    assert records["20"].data["excerpt"] == "<!--:fr-->À l'aube<!--:--><!--:en-->At dawn<!--:-->"
    assert records["21"].data["title"] == "[:fr]À propos[:en]About us[:]"
    assert records["30"].data["categories"][0]["name"] == "[:fr]Nouvelles[:en]News[:]"
    # A comment that is not a qTranslate marker stays as WordPress exported it: in CDATA
    # it is text; the site title's markers are kept like an item's.
    assert "<!--more-->" in records["32"].data["content"]
    assert records["22"].data["site"]["title"] == (
        "<!--:fr-->Le Fournil<!--:--><!--:en-->The Bakehouse<!--:-->"
    )


def test_a_title_without_a_slug_makes_one_from_its_first_language() -> None:
    assert read()["31"].data["slug"] == "pain-de-seigle"


def test_read_whole_the_run_notes_the_languages_and_what_to_do() -> None:
    source = open_source("wxr", CASE)
    list(source.records())
    (note,) = [n for n in source.stats.notes if "qTranslate" in n]
    assert "fr 4, en 4" in note and "qtranslate_split = true" in note


def test_split_makes_one_post_per_language_nothing_dropped() -> None:
    source = open_source("wxr", CASE, qtranslate_split=True, post_types=["post"])
    records = {r.identity: r for r in source.records() if isinstance(r, Record)}
    assert sorted(records) == ["30", "30:en", "31", "31:en", "32"]
    fr, en = records["30"].data, records["30:en"].data
    assert (fr["language"], fr["title"], fr["slug"]) == ("fr", "Le levain", "le-levain")
    assert (en["language"], en["title"], en["slug"]) == ("en", "Sourdough starter", "le-levain-en")
    assert en["content"] == en["content_with_media"]["content"] == "Feed the starter every day."
    assert [c["name"] for c in fr["categories"]] == ["Nouvelles"]
    assert [c["name"] for c in en["categories"]] == ["News"]
    assert fr["translation_group"] == en["translation_group"] == "30"
    # No English content in post 31: the French is sent, and the warning says so.
    rye = records["31:en"]
    assert rye.data["title"] == "Rye bread" and rye.data["content"] == "Seigle, eau, sel."
    assert [str(w) for w in rye.warnings] == [
        "a language missing in qTranslate markup, another sent in its place: the content "
        "has no 'en' text; the 'fr' text is sent"
    ]
    assert records["32"].data["language"] is None  # no markup: one record, as before
    assert "qTranslate: 2 items split into 4 records, one per language (fr, en)" in (
        source.stats.summary()
    )


def test_split_puts_the_default_language_first() -> None:
    records = read(qtranslate_split=True, default_language="en", post_types=["page"])
    assert sorted(records) == ["20", "20:fr", "21", "21:fr", "22"]
    assert records["20"].data["title"] == "Under heaven"
    assert records["20:fr"].data["slug"] == "sous-le-ciel-fr"
    # Page 21 has no English excerpt: the primary language lacks it, the French is sent.
    assert records["21"].data["excerpt"] == "Depuis 1920"
    assert [w.field for w in records["21"].warnings] == ["excerpt"]


WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel><wp:wxr_version>1.2</wp:wxr_version>{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><content:encoded><![CDATA[{content}]]></content:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_name>p{id}</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type></item>"""


def test_code_that_looks_like_a_marker_is_not_qtranslate(tmp_path: Path) -> None:
    code = "<pre>first = lines[:end]</pre>"
    path = tmp_path / "code.xml"
    items = ITEM.format(id=1, title="Slices", content=code) + ITEM.format(
        id=2, title="[:en]Slices[:fr]Tranches[:]", content=code
    )
    path.write_text(WXR.format(items=items), encoding="utf-8")
    source = open_source("wxr", path, qtranslate_split=True)
    records = {r.identity: r.data for r in source.records() if isinstance(r, Record)}
    # Post 1 has no qTranslate markup (no closing [:]); post 2's title has, its code not.
    assert sorted(records) == ["1", "2", "2:fr"]
    assert records["1"]["language"] is None and records["1"]["content"] == code
    assert records["2:fr"]["title"] == "Tranches" and records["2:fr"]["content"] == code
    assert dict(source.stats.qtranslate) == {"en": 1, "fr": 1}


def test_split_makes_a_slug_without_post_name_from_the_default_language() -> None:
    records = read(qtranslate_split=True, default_language="en", post_types=["post"])
    assert records["31"].data["slug"] == "rye-bread"
    assert records["31:fr"].data["slug"] == "rye-bread-fr"
    assert records["30"].data["slug"] == "le-levain"  # its post_name, in every language
