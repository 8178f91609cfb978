"""Mapping features the JSON sources need (``from`` fallbacks, a lookup default) and the
shipped JSON mappings against real exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from shared_data import REALDATA as SHARED
from shared_data import needs_realdata

from migrator.errors import MappingError, RecordError
from migrator.mapping import Mapping, Payload, load_mapping
from migrator.model import check_fields
from migrator.records import Record
from migrator.sources import open_source

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases"
REALDATA = SHARED / "json"

POST = """
[source]
format = "csv"
[target]
kind = "post"
title = { from = "title" }
slug = { from = "slug" }
"""


def test_from_list_takes_the_first_non_empty(write_mapping, record) -> None:
    path = write_mapping(POST + '[fields]\nsummary = { from = ["a.es", "a.en", "b"] }\n')
    compiled = load_mapping(path).compile()
    base = {"title": "T", "slug": "t"}
    cases = [
        ({"a": {"es": "hola", "en": "hi"}, "b": "x"}, "hola"),
        ({"a": {"es": "", "en": "hi"}, "b": "x"}, "hi"),  # empty falls back too
        ({"a": {"en": "hi"}}, "hi"),
        ({"b": "x"}, "x"),
    ]
    for data, want in cases:
        payload = compiled(record({**base, **data}))
        assert payload is not None and payload.body["summary"] == want
    with pytest.raises(RecordError, match=r"the record has none of 'a\.es', 'a\.en', 'b'"):
        compiled(record(base))


def test_from_list_optional_and_all_empty(write_mapping, record) -> None:
    path = write_mapping(POST + '[fields]\nsummary = { from = ["x", "y"], optional = true }\n')
    compiled = load_mapping(path).compile()
    for data in ({}, {"x": "", "y": None}):
        payload = compiled(record({"title": "T", "slug": "t", **data}))
        assert payload is not None and payload.body["summary"] == ""


@pytest.mark.parametrize("bad", ["[]", '["ok", 3]', '["a..b"]'])
def test_from_list_problems_are_mapping_errors(write_mapping, bad: str) -> None:
    path = write_mapping(POST + f"[fields]\nsummary = {{ from = {bad} }}\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert [p.key for p in caught.value.problems] == ["fields.summary.from"]


def test_lookup_star_is_the_default(write_mapping, record) -> None:
    path = write_mapping(
        POST + '[fields]\nauthor_email = { from = "who", optional = true, lookup = '
        '{ "al@x.test" = "ada@example.com", "*" = "grace@example.com" } }\n'
    )
    compiled = load_mapping(path).compile()

    def author(data: dict) -> object:
        payload = compiled(record({"title": "T", "slug": "t", **data}))
        assert payload is not None
        return payload.body.get("author")

    assert author({"who": "al@x.test"}) == {"email": "ada@example.com"}
    assert author({"who": "someone@else.test"}) == {"email": "grace@example.com"}
    assert author({}) is None  # empty stays empty: no author


def test_lookup_without_star_still_fails(write_mapping, record) -> None:
    path = write_mapping(
        POST + '[fields]\nauthor_email = { from = "who", lookup = { a = "ada@example.com" } }\n'
    )
    with pytest.raises(RecordError, match="'b' is not in the lookup table"):
        load_mapping(path).compile()(record({"title": "T", "slug": "t", "who": "b"}))


# --- shipped mappings ----------------------------------------------------------------------


def payloads(mapping: Mapping, source: Path) -> list[Payload]:
    compiled = mapping.compile()
    out = []
    for item in open_source(mapping.source_format, source, **mapping.source_options).records():
        assert isinstance(item, Record), str(item)
        payload = compiled(item)
        if payload is not None:
            out.append(payload)
    return out


def assert_valid(mapping: Mapping, payload: Payload) -> None:
    body = payload.body
    if payload.kind == "post":
        assert body["title"] and body["slug"] and body["status"] in ("draft", "published")
        if "author" in body:
            assert mapping.model.author(**body["author"]) is not None
        return
    fields = mapping.model.fields_of(payload.kind, payload.target or "")
    assert fields is not None
    values = body["fields"][0] if payload.kind == "collection" else body["fields"]
    per_locale = values if set(values) <= set(mapping.model.locales) else {None: values}
    for locale_values in per_locale.values():
        assert check_fields(fields, locale_values, require_all_keys=True) == []


Shipped = Callable[[], Mapping]


def test_contentful_articles_on_the_bundled_sample() -> None:
    mapping = load_mapping(ROOT / "mappings" / "contentful_articles.toml")
    assert mapping.default_source is not None and mapping.default_source.exists()
    out = payloads(mapping, mapping.default_source)
    assert [p.slug for p in out] == [
        "welcome",
        "pricing-explained",
        "roadmap-2024",
        "we-are-hiring",
    ]
    for p in out:
        assert set(p.body["fields"]) == {"en", "es"}
        assert_valid(mapping, p)


@needs_realdata(REALDATA)
def test_ghost_posts_on_real_exports() -> None:
    mapping = load_mapping(ROOT / "mappings" / "ghost_posts.toml")
    out = payloads(mapping, REALDATA / "ghost-migrate--ghost-export-db-wrapped.json")
    assert [p.body.get("author") for p in out] == [
        {"email": "ada@example.com"},  # alice: mapped
        {"email": "grace@example.com"},  # bob: the "*" default
        None,  # no author: the account owner
    ]
    assert out[0].body["tags"] == ["News"] and out[0].body["categories"] == ["News"]
    # A Lexical-only post: its image card rendered as Ghost renders it, then cleaned.
    assert out[2].body["body"] == (
        '<figure><img src="https://example.com/images/lexical-image.jpg" alt="" width="800" '
        'height="600"></figure>'
    )
    assert out[2].body["upload_images_to_media_library"] is True, "Butter copies the image"
    api = payloads(mapping, REALDATA / "ghost-migrate--ghost-content-api-posts.json")
    assert api[0].body["summary"] == "Welcome, it's great to have you here."
    for p in out + api:
        assert_valid(mapping, p)


def test_sanity_posts_on_a_case_export() -> None:
    mapping = load_mapping(ROOT / "mappings" / "sanity_posts.toml")
    out = payloads(mapping, CASES / "json-sanity-posts.ndjson")
    assert [p.slug for p in out] == ["hello-sanity", "by-a-guest"]  # the draft is skipped
    first = out[0].body
    assert first["author"] == {"email": "ada@example.com"}
    assert first["categories"] == ["News"]
    assert first["featured_image"] == "http://media.invalid/img/red.png"
    assert first["body"] == "<p>Moving <strong>everything</strong>.</p><h2>Next</h2>"
    assert out[1].body["author"] == {"email": "grace@example.com"}
    for p in out:
        assert_valid(mapping, p)


@needs_realdata(REALDATA)
def test_strapi_restaurants_on_a_real_export() -> None:
    mapping = load_mapping(ROOT / "mappings" / "strapi_restaurants.toml")
    out = payloads(mapping, REALDATA / "strapi-import-export-entries--data-create.json")
    assert sorted(p.lookup for p in out if p.lookup) == [
        ("name", "Dubillot Brasserie"),
        ("name", "Martin Brasserie"),
    ]
    for p in out:
        assert p.body["fields"][0]["logo"].startswith("https://storage.googleapis.com/")
        assert_valid(mapping, p)


@needs_realdata(REALDATA)
def test_json_blog_posts_on_a_blogger_response() -> None:
    mapping = load_mapping(ROOT / "mappings" / "json_blog_posts.toml")
    out = payloads(mapping, REALDATA / "ghost-migrate--blogger-api-response.json")
    assert [p.slug for p in out] == ["lorem", "ipsum", "dolor"]
    assert out[0].body["tags"] == ["books", "This & That", "Good & Bad"]
    for p in out:
        assert_valid(mapping, p)
