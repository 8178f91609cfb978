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


def test_shopify_products() -> None:
    """Our Shopify-format export (its default source): one page per Handle, every variant
    and image of the product in its repeaters, html_clean on the body."""
    mapping = load_mapping(ROOT / "mappings" / "shopify_products.toml")
    assert mapping.default_source == CASES / "shopify-products.csv"
    sources: Any = pytest.importorskip("migrator.sources")
    source = sources.open_source(
        mapping.source_format, mapping.default_source, **mapping.source_options
    )
    compiled = mapping.compile()
    payloads = {}
    for item in source.records():
        assert isinstance(item, Record), f"a bad group: {item}"
        payload = compiled(item)
        assert payload is not None
        assert_valid(mapping, payload)
        payloads[payload.identity] = payload
    assert list(payloads) == [
        "linen-apron",
        "enamel-mug",
        "cast-iron-pan",
        "gift-card",
        "cafe-blend",
    ]
    mug = payloads["enamel-mug"].body
    assert mug == {
        "title": "Enamel Mug",
        "slug": "enamel-mug",
        "page_type": "product",
        "status": "published",
        "fields": {
            "handle": "enamel-mug",
            "description": "<p>Speckled enamel, 350 ml.</p>",
            "vendor": "Fennel & Fig",
            "product_type": "Tableware",
            "category": "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs",
            "tags": "mug, enamel",
            "option1_name": "Title",
            "option2_name": "",
            "option3_name": "",
            "gift_card": False,
            "seo_title": "",
            "seo_description": "",
            "variants": [
                {
                    "sku": "MUG-350",
                    "option1": "Default Title",
                    "option2": "",
                    "option3": "",
                    "price": 16,
                    "compare_at_price": 19,
                    "inventory": 48,
                    "grams": 220,
                    "barcode": "501234560099",
                    "requires_shipping": True,
                    "taxable": True,
                    "image": "",
                }
            ],
            "images": [
                {
                    "image": "https://cdn.shopify.com/s/files/1/0612/3456/7890/products/"
                    "enamel-mug.jpg?v=1700000001",
                    "alt": "White enamel mug with a blue rim",
                }
            ],
        },
    }
    apron = payloads["linen-apron"].body["fields"]
    assert [(v["option1"], v["option2"], v["inventory"]) for v in apron["variants"]] == [
        ("Natural", "S/M", 12), ("Natural", "L/XL", 7), ("Charcoal", "S/M", 0),
        ("Charcoal", "L/XL", 3), ("Sage", "S/M", 9), ("Sage", "L/XL", 15),
    ]  # fmt: skip
    assert "<script>" not in apron["description"] and "Two deep pockets" in apron["description"]
    # Rows holding only an image add an image and no variant; a draft stays a draft.
    pan = payloads["cast-iron-pan"].body
    assert (len(pan["fields"]["variants"]), len(pan["fields"]["images"])) == (2, 4)
    assert pan["status"] == "draft"
    assert pan["fields"]["images"][3]["alt"] == "Searing steak, cooking in use"
    assert payloads["gift-card"].body["fields"]["images"] == []
