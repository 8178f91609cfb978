"""Strapi import-export-entries exports: localizations joined, media resolved."""

from __future__ import annotations

import json
from pathlib import Path

from shared_data import REALDATA, needs_realdata

from migrator.errors import RecordError
from migrator.records import Record
from migrator.sources import StrapiSource

CREATE = REALDATA / "json" / "strapi-import-export-entries--data-create.json"


@needs_realdata(CREATE)
def test_localizations_joined_and_media_resolved() -> None:
    raw = json.loads(CREATE.read_text(encoding="utf-8"))["data"]
    items = list(StrapiSource(CREATE, default_locale="en", media_fields=["logo"]).records())
    by_id = {i.identity: i for i in items if isinstance(i, Record)}
    assert sorted(by_id) == [
        "restaurant-owner:1",
        "restaurant-owner:2",
        "restaurant:1",
        "restaurant:2",
        "utensil-maker:1",
        "utensil-maker:2",
    ]
    one = by_id["restaurant:1"]
    assert one.kind == "restaurant"
    assert one.location.position == 'data["api::restaurant.restaurant"]["1"]'
    assert one.data["name"] == raw["api::restaurant.restaurant"]["1"]["name"]
    assert sorted(one.data["locales"]) == ["en", "fr"]
    assert one.data["locales"]["fr"]["name"] == "Brasserie Dubillot"
    assert one.data["logo"] == raw["plugin::upload.file"]["1"]["url"]
    assert one.data["locales"]["fr"]["logo"] == raw["plugin::upload.file"]["1"]["url"]
    assert by_id["restaurant-owner:1"].data["locales"] == {}


def test_bad_entries_and_missing_links(tmp_path: Path) -> None:
    doc = (
        '{"version": 2, "data": {"api::a.a": {"1": {"id": 1, "locale": "en", '
        '"localizations": [9], "logo": 5}, "2": 7, "1": {"id": 1}}}}'
    )
    path = tmp_path / "s.json"
    path.write_text(doc, encoding="utf-8")
    items = list(StrapiSource(path, media_fields=["logo"]).records())
    (record,) = [i for i in items if isinstance(i, Record)]
    assert record.identity == "a:1" and record.data["logo"] is None
    assert record.warnings == (
        "logo: upload 5 is not in the export",
        "localization 9 is not in the export",
    )
    assert [(e.file, e.reason) for e in items if isinstance(e, RecordError)] == [
        (f'{path}@data["api::a.a"]["2"]', "an entry must be a JSON object"),
        (
            f'{path}@data["api::a.a"]["1"]',
            'duplicate a id 1, first seen at data["api::a.a"]["1"]',
        ),
    ]


def test_sniff_and_truncated(tmp_path: Path) -> None:
    text = '{"version": 2, "data": {"api::a.a": {"1": {"id": 1}, "2": {"id": 2}, "3": {"id'
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    assert StrapiSource.sniff(path, text.encode())
    assert not StrapiSource.sniff(path, b'{"data": {"posts": []}}')
    items = list(StrapiSource(path).records())
    assert [i.identity for i in items if isinstance(i, Record)] == ["a:1", "a:2"]
    (error,) = [i for i in items if isinstance(i, RecordError)]
    assert error.file == f"{path}@byte {len(text)}"
    assert StrapiSource(path).describe()["uids"] == ["api::a.a"]


def test_summary_of_an_unknown_export_version(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"version": 3, "data": {"api::a.a": {"1": {"id": 1}}}}', encoding="utf-8")
    source = StrapiSource(path)
    list(source.records())
    assert source.stats.summary() == [f"{path}: export format version 3; read as 2"]
