"""The mapping files shipped in mappings/ against sample rows.

Exact payloads are asserted on our own fixtures (tests/cases/mapping-*.csv, with
the sample CSVs' columns); the bundled samples in migrator/samples/ are checked
too when they are there: every row they produce must be a valid payload.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from migrator.errors import RecordError
from migrator.mapping import Mapping, Payload, load_mapping
from migrator.model import check_fields
from migrator.records import Location, Record

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases"
MEDIA = {"media_base": "http://media.test/img"}
KEYS = {"team_members": "email", "blog_posts": "id", "landing_pages": "headline"}


def shipped(name: str) -> Mapping:
    return load_mapping(
        ROOT / "mappings" / f"{name}.toml", variables=MEDIA if name == "team_members" else None
    )


def fixture_records(name: str) -> list[Record]:
    path = CASES / f"mapping-{name}.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [
            Record(row[KEYS[name]], "row", row, Location(str(path), reader.line_num))
            for row in reader
        ]


def assert_valid(mapping: Mapping, payload: Payload) -> None:
    """The payload obeys Butter's rules as the content model states them."""
    body = payload.body
    if payload.kind == "post":
        assert body["title"] and body["slug"] and body["status"] in ("draft", "published")
        if "author" in body:
            assert mapping.model.author(**body["author"]) is not None
        return
    fields = mapping.model.fields_of(payload.kind, payload.target or "")
    assert fields is not None
    values = body["fields"][0] if payload.kind == "collection" else body["fields"]
    assert check_fields(fields, values, require_all_keys=True) == []


def test_team_members(tmp_path: Path) -> None:
    mapping = shipped("team_members")
    compiled = mapping.compile()
    payloads = [compiled(r) for r in fixture_records("team_members")]
    assert payloads[0] is not None
    assert payloads[0].body == {
        "key": "team_members",
        "status": "published",
        "fields": [
            {
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "position": "Engineer",
                "bio": "Wrote the first program.",
                "photo": "http://media.test/img/ada.png",
                "joined": "2021-03-15",
                "active": True,
            }
        ],
    }
    assert payloads[0].lookup == ("email", "ada@example.com")
    assert payloads[0].source.line == 2
    assert [p.body["fields"][0]["active"] for p in payloads if p] == [True, False, True]
    assert [p.body["fields"][0]["photo"] for p in payloads if p][2] == ""  # no photo: no URL
    for p in payloads:
        assert p is not None
        assert_valid(mapping, p)


def test_blog_posts() -> None:
    mapping = shipped("blog_posts")
    compiled = mapping.compile()
    payloads = [compiled(r) for r in fixture_records("blog_posts")]
    assert payloads[0] is not None
    assert payloads[0].body == {
        "title": "Hello World",
        "slug": "hello-world",
        "status": "published",
        "author": {"email": "ada@example.com"},
        "categories": ["News", "Updates"],
        "tags": ["intro"],
        "body": "<p>First paragraph.</p>\n<p>Second paragraph with &lt;b&gt;.</p>",
        "summary": "First paragraph. Second paragraph with <b>.",
        "seo_title": "Hello World",
        "upload_images_to_media_library": False,
        "published": "2021-03-15T00:00:00Z",  # a day: midnight UTC
    }
    assert payloads[1] is not None
    assert (payloads[1].slug, payloads[1].body["status"], payloads[1].body["tags"]) == (
        "draft-thoughts",
        "draft",
        [],
    )
    assert payloads[2] is None  # status "trash": filtered out
    for p in payloads[:2]:
        assert p is not None
        assert_valid(mapping, p)


def test_landing_pages() -> None:
    mapping = shipped("landing_pages")
    compiled = mapping.compile()
    payloads = [compiled(r) for r in fixture_records("landing_pages")]
    assert payloads[0] is not None
    assert payloads[0].body == {
        "title": "Spring Sale",
        "slug": "spring-sale",
        "page_type": "landing_page",
        "status": "published",
        "fields": {
            "headline": "Spring Sale",
            "summary": "Save big",
            "body": "<p>Hello <b>there</b></p>",
            "hero_image": "",
            "price": 19.99,
            "launch_date": "2024-03-01T00:00:00",
            "featured": True,
            "accent": "",
            "theme": "dark",
            "related_pages": [],
            "team": [],
            "main_category": "",
            "faq": [],
            "seo": {"title": "", "description": ""},
            "sections": [],
        },
    }
    assert payloads[1] is not None
    assert payloads[1].body["fields"]["theme"] == "light"  # empty → the default transform
    assert payloads[1].body["fields"]["launch_date"] == "2024-06-15T00:00:00"
    for p in payloads:
        assert p is not None
        assert_valid(mapping, p)


@pytest.mark.parametrize("name", sorted(KEYS))
def test_bundled_samples_map_to_valid_payloads(name: str) -> None:
    mapping = shipped(name)
    assert mapping.default_source is not None
    if not mapping.default_source.exists():
        pytest.skip(f"{mapping.default_source} not there yet")
    sources: Any = pytest.importorskip("migrator.sources")
    source = sources.open_source(
        mapping.source_format, mapping.default_source, **mapping.source_options
    )
    compiled = mapping.compile()
    mapped = 0
    for item in source.records():
        assert isinstance(item, Record), f"the sample has a bad row: {item}"
        try:
            payload = compiled(item)
        except RecordError as exc:
            pytest.fail(f"sample row does not map: {exc}")
        if payload is not None:
            assert_valid(mapping, payload)
            mapped += 1
    assert mapped > 0
