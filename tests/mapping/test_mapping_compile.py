from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from migrator.errors import RecordError
from migrator.mapping import Payload, RefHook, body_hash, load_mapping
from migrator.mapping.spec import EvalError
from migrator.mapping.transforms import noting
from migrator.records import Location, Record, RecordWarning

Write = Callable[..., Path]
MakeRecord = Callable[..., Record]

PAGE = """
[source]
format = "csv"
[vars]
media = "http://media.test/img"
[target]
kind = "page"
page_type = "landing_page"
title = { template = "{headline} ({city})" }
slug = { from = "headline", transforms = ["slugify"] }
[fields]
headline = { from = "headline", transforms = ["strip"] }
price = { from = "price", transforms = ["number"] }
featured = { from = "featured", transforms = ["boolean"] }
theme = { from = "theme", lookup = { L = "light", D = "dark" } }
hero_image = { template = "{vars.media}/{image}" }
launch_date = { from = "when", transforms = [{ name = "date", format = "%m/%d/%Y" }] }
"""

EMPTY_LANDING = {
    "headline": "",
    "summary": "",
    "body": "",
    "hero_image": "",
    "price": "",
    "launch_date": "",
    "featured": False,
    "accent": "",
    "theme": "",
    "related_pages": [],
    "team": [],
    "main_category": "",
    "faq": [],
    "seo": {"title": "", "description": ""},
    "sections": [],
}

ROW = {
    "headline": " Spring Sale ",
    "city": "Oslo",
    "price": "19.5",
    "featured": "y",
    "theme": "D",
    "image": "spring.png",
    "when": "03/01/2024",
}


def compile_page(write_mapping: Write, text: str = PAGE) -> Callable[[Record], Payload | None]:
    return load_mapping(write_mapping(text)).compile()


def test_page_payload_has_every_field_key_with_butter_empties(
    write_mapping: Write, record: MakeRecord
) -> None:
    payload = compile_page(write_mapping)(record(ROW))
    assert payload is not None
    assert payload.body == {
        "title": " Spring Sale  (Oslo)",
        "slug": "spring-sale",
        "page_type": "landing_page",
        "status": "draft",
        "fields": {
            **EMPTY_LANDING,
            "headline": "Spring Sale",
            "price": 19.5,
            "featured": True,
            "theme": "dark",
            "hero_image": "http://media.test/img/spring.png",
            "launch_date": "2024-03-01T00:00:00",
        },
    }
    assert list(payload.body["fields"]) == list(EMPTY_LANDING)
    assert (payload.kind, payload.target, payload.identity, payload.slug) == (
        "page",
        "landing_page",
        "r1",
        "spring-sale",
    )
    # The model is localized (en, es): a single-locale page says its locale, the default.
    assert (payload.locale, payload.lookup, payload.refs) == ("en", None, ())
    assert payload.source == Location("in.csv", 7)


def test_empty_source_values_become_empties(write_mapping: Write, record: MakeRecord) -> None:
    row = dict.fromkeys(ROW, "") | {"headline": "X"}
    payload = compile_page(write_mapping)(record(row))
    assert payload is not None
    assert payload.body["title"] == "X ()"
    assert payload.body["fields"] == {**EMPTY_LANDING, "headline": "X"}


def test_invalid_values_raise_record_error_naming_record_line_and_field(
    write_mapping: Write, record: MakeRecord
) -> None:
    compiled = compile_page(write_mapping)
    with pytest.raises(RecordError) as err:
        compiled(record(ROW | {"featured": "maybe"}, identity="sale-1", line=12))
    e = err.value
    assert (e.file, e.line, e.identity, e.field) == ("in.csv", 12, "sale-1", "featured")
    assert str(e) == (
        "in.csv:12, record sale-1, field 'featured': featured: transform 'boolean': "
        "not a yes/no value: 'maybe' (true: ['yes', 'y', 'true', 't', '1', 'on'], "
        "false: ['no', 'n', 'false', 'f', '0', 'off'])"
    )
    # Every bad field of the record is in the one message; the first is the field.
    with pytest.raises(RecordError) as err:
        compiled(record(ROW | {"headline": " ", "theme": "X"}))
    assert err.value.field == "slug"
    assert err.value.reason == (
        "slug: empty (from 'headline' = ' '): nothing in it becomes a letter or digit. "
        'Map a field that has one, or add a fallback, e.g. from = ["slug", "id"] or '
        'template = "post-{id}"; '
        "theme: 'X' is not in the lookup table (keys: ['D', 'L']); "
        "fields.headline: required"
    )


def test_check_fields_catches_values_transforms_let_through(
    write_mapping: Write, record: MakeRecord
) -> None:
    compiled = compile_page(write_mapping, PAGE.replace('["number"]', '["strip"]'))
    with pytest.raises(RecordError) as err:
        compiled(record(ROW | {"price": "ten"}))
    assert err.value.field == "price"
    assert err.value.reason == "fields.price: expected a number, got 'ten'"


def test_missing_source_key_is_an_error_unless_optional(
    write_mapping: Write, record: MakeRecord
) -> None:
    row = {k: v for k, v in ROW.items() if k != "city"}
    with pytest.raises(RecordError, match="the record has no 'city'") as err:
        compile_page(write_mapping)(record(row))
    assert err.value.field == "title"
    text = PAGE.replace(
        '{ template = "{headline} ({city})" }',
        '{ template = "{headline} {city}", optional = true }',
    )
    payload = compile_page(write_mapping, text)(record(row))
    assert payload is not None and payload.body["title"] == " Spring Sale  "


def test_filters(write_mapping: Write, record: MakeRecord) -> None:
    text = (
        PAGE
        + """
[filter]
kind = ["row", "page"]
where = { theme = ["L", "D"], meta.lang = "en" }
exclude = { featured = "skip" }
"""
    )
    compiled = compile_page(write_mapping, text)
    row = ROW | {"meta": {"lang": "en"}}
    assert compiled(record(row)) is not None
    assert compiled(record(row, kind="page")) is not None
    assert compiled(record(row, kind="attachment")) is None
    assert compiled(record(row | {"theme": "X"})) is None
    assert compiled(record(row | {"meta": {"lang": "es"}})) is None
    assert compiled(record(ROW)) is None  # no meta.lang at all
    assert compiled(record(row | {"featured": "skip"})) is None


def test_filter_compares_toml_values_with_source_text(
    write_mapping: Write, record: MakeRecord
) -> None:
    compiled = compile_page(write_mapping, PAGE + "[filter]\nwhere = { n = 3, on = true }\n")
    assert compiled(record(ROW | {"n": "3", "on": "true"})) is not None
    assert compiled(record(ROW | {"n": 3, "on": True})) is not None
    assert compiled(record(ROW | {"n": "4", "on": "true"})) is None
    assert compiled(record(ROW | {"n": 3, "on": 1})) is None


def test_templates_paths_and_constants(write_mapping: Write, record: MakeRecord) -> None:
    text = """
[source]
format = "csv"
[vars]
base = "http://m"
[target]
kind = "post"
title = { template = "{author.first} {author.last}: {{draft}} {tags[1]}" }
slug = { from = "tags.0" }
status = "published"
[fields]
author_slug = "grace-hopper"
featured_image = { template = "{vars.base}/{meta._thumb}.png" }
featured_image_alt = { from = "meta.alt", optional = true }
tags = { from = "tags" }
categories = "News"
"""
    compiled = load_mapping(write_mapping(text)).compile()
    data = {
        "author": {"first": "Ada", "last": "L"},
        "tags": ["one", "two"],
        "meta": {"_thumb": ""},
    }
    payload = compiled(record(data, kind="post"))
    assert payload is not None
    assert payload.body == {
        "title": "Ada L: {draft} two",
        "slug": "one",
        "status": "published",
        "author": {"slug": "grace-hopper"},
        "featured_image": "",  # every placeholder empty: empty, not "http://m/.png"
        "featured_image_alt": "",
        "tags": ["one", "two"],
        "categories": ["News"],
    }
    assert (payload.kind, payload.target, payload.slug, payload.lookup) == (
        "post",
        None,
        "one",
        None,
    )


def test_post_payload_and_unknown_author(write_mapping: Write, record: MakeRecord) -> None:
    text = """
[source]
format = "csv"
[target]
kind = "post"
title = { from = "title" }
slug = { from = "title", transforms = ["slugify"] }
status = { from = "status", lookup = { publish = "published", draft = "draft" } }
[fields]
author_email = { from = "author" }
categories = { from = "cats", transforms = [{ name = "split", sep = "|" }] }
body = { from = "body", transforms = ["paragraphs"] }
summary = { from = "body", transforms = [{ name = "truncate", length = 8, ellipsis = "…" }] }
featured_image = { from = "img" }
upload_images_to_media_library = true
"""
    compiled = load_mapping(write_mapping(text)).compile()
    row = {
        "title": "Hi There",
        "status": "publish",
        "author": "ADA@example.com",
        "cats": "a|b",
        "body": "Para one.\n\nPara two.",
        "img": "",
    }
    payload = compiled(record(row))
    assert payload is not None
    assert payload.body == {
        "title": "Hi There",
        "slug": "hi-there",
        "status": "published",
        "author": {"email": "ADA@example.com"},
        "categories": ["a", "b"],
        "body": "<p>Para one.</p>\n<p>Para two.</p>",
        "summary": "Para on…",
        "featured_image": "",
        "upload_images_to_media_library": True,
    }
    twice = compiled(record(row | {"cats": "News|b|news| News |b"}))
    assert twice is not None and twice.body["categories"] == ["News", "b"]
    assert compiled(record(row | {"author": ""})).body.get("author", "none") == "none"  # type: ignore[union-attr]
    with pytest.raises(RecordError) as err:
        compiled(record(row | {"author": "eve@example.com", "img": "not-a-url"}))
    assert err.value.field == "author"
    assert err.value.reason == (
        "author: no author with email 'eve@example.com' in the content model; "
        "featured_image: expected a media URL (http or https), got 'not-a-url'"
    )
    with pytest.raises(RecordError, match="'trash' is not in the lookup table"):
        compiled(record(row | {"status": "trash"}))


COLLECTION = """
[source]
format = "csv"
[target]
kind = "collection"
collection = "team_members"
lookup_field = "email"
status = "published"
[fields]
name = { from = "name" }
email = { from = "email", transforms = ["lower"] }
active = { from = "active", transforms = ["boolean"] }
"""


def test_collection_payload(write_mapping: Write, record: MakeRecord) -> None:
    compiled = load_mapping(write_mapping(COLLECTION)).compile()
    payload = compiled(record({"name": "Ada", "email": "Ada@Example.com", "active": "no"}, "ada"))
    assert payload is not None
    assert payload.body == {
        "key": "team_members",
        "status": "published",
        "fields": [
            {
                "name": "Ada",
                "email": "ada@example.com",
                "position": "",
                "bio": "",
                "photo": "",
                "joined": "",
                "active": False,
            }
        ],
    }
    assert (payload.kind, payload.target, payload.slug) == ("collection", "team_members", None)
    assert payload.lookup == ("email", "ada@example.com")
    with pytest.raises(RecordError) as err:
        compiled(record({"name": "Ada", "email": "", "active": "no"}, "ada"))
    assert err.value.field == "email"


def test_multi_locale_payload(write_mapping: Write, record: MakeRecord) -> None:
    text = (
        PAGE
        + """
[locales.es.fields]
headline = { from = "headline_es" }
theme = "light"
"""
    )
    payload = compile_page(write_mapping, text)(record(ROW | {"headline_es": "Rebajas"}))
    assert payload is not None
    fields = payload.body["fields"]
    assert list(fields) == ["en", "es"]
    assert fields["en"]["headline"] == "Spring Sale" and fields["en"]["theme"] == "dark"
    assert fields["es"] == {**fields["en"], "headline": "Rebajas", "theme": "light"}
    assert set(fields["es"]) == set(EMPTY_LANDING)
    assert payload.locale is None
    with pytest.raises(RecordError) as err:
        compile_page(write_mapping, text)(record(ROW | {"headline_es": ""}))
    assert err.value.reason == "fields.es.headline: required"
    # The base locale may be named; collections take the same form, in their list.
    coll = COLLECTION.replace('status = "published"', 'status = "published"\nlocale = "es"')
    coll += '[locales.en.fields]\nname = { from = "name_en" }\n'
    payload = load_mapping(write_mapping(coll, "c.toml")).compile()(
        record({"name": "Ana", "name_en": "Ann", "email": "a@x", "active": "1"})
    )
    assert payload is not None
    (item,) = payload.body["fields"]
    assert (item["es"]["name"], item["en"]["name"], item["en"]["email"]) == ("Ana", "Ann", "a@x")
    assert payload.lookup == ("email", "a@x")


def test_single_locale_from_the_record(write_mapping: Write, record: MakeRecord) -> None:
    text = PAGE.replace('kind = "page"', 'kind = "page"\nlocale = { from = "lang" }')
    compiled = compile_page(write_mapping, text)
    payload = compiled(record(ROW | {"lang": "es"}))
    assert payload is not None and payload.locale == "es"
    assert "headline" in payload.body["fields"]
    with pytest.raises(RecordError, match="'de' is not a locale of the content model") as err:
        compiled(record(ROW | {"lang": "de"}))
    assert err.value.field == "locale"


def test_reference_hook_is_left_for_the_engine(write_mapping: Write, record: MakeRecord) -> None:
    text = (
        PAGE
        + """team = { from = "members", ref = "email", transforms = [{ name = "split", sep = "|" }]}
related_pages = { from = "related", transforms = ["split"] }
"""
    )
    payload = compile_page(write_mapping, text)(
        record(ROW | {"members": "a@x|b@x", "related": "p1, p2"})
    )
    assert payload is not None
    assert payload.body["fields"]["team"] == []
    assert payload.body["fields"]["related_pages"] == ["p1", "p2"]
    assert payload.refs == (RefHook("team", None, "team_members", "email", ("a@x", "b@x"), True),)


def test_hash_is_stable_and_follows_the_body(write_mapping: Write, record: MakeRecord) -> None:
    path = write_mapping(PAGE)
    first = load_mapping(path).compile()(record(ROW))
    second = load_mapping(path).compile()(record(dict(reversed(list(ROW.items())))))
    assert first is not None and second is not None
    assert first.hash == second.hash == body_hash(first.body)
    assert len(first.hash) == 64
    changed = load_mapping(path).compile()(record(ROW | {"price": "19.6"}))
    assert changed is not None and changed.hash != first.hash
    # Another process (another hash seed) computes the same hash.
    code = (
        "import json, sys; from migrator.mapping import body_hash; "
        "print(body_hash(json.loads(sys.stdin.read())))"
    )
    import json

    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(first.body),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123"},
    )
    assert out.stdout.strip() == first.hash


def test_compiled_function_is_pure(write_mapping: Write, record: MakeRecord) -> None:
    text = PAGE + 'faq = { const = [{ question = "Q?", answer = "A." }] }\n'
    compiled = compile_page(write_mapping, text)
    data: dict[str, Any] = dict(ROW)
    a = compiled(record(data))
    assert a is not None
    a.body["fields"]["faq"][0]["question"] = "mutated"
    b = compiled(record(data))
    assert b is not None and b.body["fields"]["faq"] == [{"question": "Q?", "answer": "A."}]
    assert data == ROW


def test_record_error_for_a_record_without_a_line(write_mapping: Write) -> None:
    compiled = compile_page(write_mapping)
    rec = Record("p-9", "page", ROW | {"price": "x"}, Location("export.json", None, "$.pages[3]"))
    with pytest.raises(RecordError) as err:
        compiled(rec)
    assert (err.value.file, err.value.line, err.value.field) == (
        "export.json@$.pages[3]",
        None,
        "price",
    )


def test_public_api() -> None:
    import migrator.mapping as api

    assert sorted(api.__all__) == sorted(
        [
            "TRANSFORMS",
            "Mapping",
            "Note",
            "Payload",
            "RefHook",
            "Target",
            "Transform",
            "body_hash",
            "img_sources",
            "index_options",
            "link_rewriter",
            "load_mapping",
            "played_sources",
            "transform",
        ]
    )
    assert all(hasattr(api, name) for name in api.__all__)


def test_a_record_with_several_problems_names_the_values_first_then_the_checks(
    write_mapping: Write, record: MakeRecord
) -> None:
    # The field checks are compiled once per mapping; the message keeps its order: what
    # failed while building values (in field order), then what the content model refused.
    compiled = compile_page(write_mapping)
    bad = ROW | {"headline": "  ", "price": "lots", "when": "2024-13-45", "theme": ""}
    with pytest.raises(RecordError) as err:
        compiled(record(bad, identity="sale-2", line=3))
    e = err.value
    assert e.field == "slug"
    assert e.reason.split("; ")[1:] == [
        "price: transform 'number': not a number: 'lots'",
        "launch_date: transform 'date': date '2024-13-45' does not match '%m/%d/%Y'",
        "fields.headline: required",
    ]
    assert e.reason.startswith("slug: empty (from 'headline' = '  ')")
    # The same values once fixed go through, every valid one through the compiled checks.
    fixed = compiled(record(ROW | {"price": "7", "accent": "#abc"}, identity="sale-2", line=3))
    assert fixed is not None and fixed.body["fields"]["price"] == 7


def test_transform_notes_name_their_field_and_stay_with_their_record(
    write_mapping: Write, record: MakeRecord
) -> None:
    from migrator.mapping import TRANSFORMS, transform
    from migrator.mapping.transforms import note

    @transform("test_noisy")
    def noisy(value: Any, /) -> str:
        note(f"looked at: {value}")
        if value == "bad":
            raise ValueError("refused")
        return str(value)

    try:
        compiled = compile_page(
            write_mapping,
            PAGE.replace('["strip"]', '["strip", "test_noisy"]').replace(
                'transforms = ["number"]', 'transforms = ["test_noisy", "number"]'
            ),
        )
        payload = compiled(record(ROW))
        assert payload is not None
        assert [(n.field, n.reason) for n in payload.notes] == [
            ("headline", "looked at: Spring Sale"),
            ("price", "looked at: 19.5"),
        ]
        again = compiled(record({**ROW, "headline": "Other"}))
        assert again is not None
        assert [n.reason for n in again.notes] == ["looked at: Other", "looked at: 19.5"]
        # A value that fails keeps none of its notes; the record is invalid.
        with pytest.raises(RecordError, match="refused"):
            compiled(record({**ROW, "price": "bad"}))
    finally:
        del TRANSFORMS["test_noisy"]


def _built(compiled: Any, rec: Record) -> Payload | RecordError:
    try:
        result: Payload = noting(compiled._build, rec)
    except RecordError as exc:
        return exc
    return result


def _called(compiled: Any, rec: Record) -> Payload | RecordError:
    try:
        result: Payload | None = compiled(rec)
    except RecordError as exc:
        return exc
    assert result is not None
    return result


@pytest.mark.parametrize("text", [PAGE, COLLECTION])
def test_the_quick_path_builds_what_the_full_build_does(
    write_mapping: Write, record: MakeRecord, text: str
) -> None:
    compiled: Any = load_mapping(write_mapping(text)).compile()
    assert compiled.quick is not None  # the plain shape these mappings have
    rows = [
        ROW,
        {**ROW, "headline": "", "price": ""},  # empty slug: an error
        {**ROW, "featured": "perhaps"},  # a transform fails
        {**ROW, "image": ""},
        {"name": "Ada", "email": "Ada@Example.com", "active": "no"},
        {"name": "Ada", "email": "", "active": "no"},  # empty lookup field
        {"name": "", "email": "ada@example.com", "active": "yes", "joined": "13/45/2020"},
    ]
    quick_taken = 0
    for row in rows:
        rec = Record(
            "r1", "row", row, Location("in.csv", 3), warnings=(RecordWarning("w", field="bio"),)
        )
        full, called = _built(compiled, rec), _called(compiled, rec)
        if isinstance(full, RecordError):
            assert isinstance(called, RecordError)
            assert (str(called), called.field, called.line) == (str(full), full.field, full.line)
            continue
        assert isinstance(called, Payload)
        assert called == full and called.hash == full.hash and called.notes == full.notes
        assert called.notes  # the record's warning, as a note
        quick_taken += noting(compiled._quick, rec) is not None
    assert quick_taken  # the quick path was taken, not only the fallback


def _outcome(fn: Callable[[Any], Any], data: Any) -> Any:
    try:
        return ("value", fn(data))
    except EvalError as exc:
        return ("error", str(exc))


def test_a_compiled_value_is_what_evaluate_gives(write_mapping: Write) -> None:
    """The compiled chains (one step, several, a lookup) against the unrolled evaluate, on
    odd values: not text, empty, a list, missing, a mapping that is not a dict."""
    mapping = load_mapping(
        write_mapping(
            """
            [source]
            format = "csv"
            [target]
            kind = "collection"
            collection = "team_members"
            lookup_field = "email"
            [fields]
            name = { from = "name", transforms = ["strip"] }
            email = { from = "email", transforms = ["strip", "lower", "email"] }
            bio = { from = "bio", optional = true, transforms = ["upper"] }
            joined = { from = "joined", transforms = [{ name = "date", format = "%m/%d/%Y" }] }
            active = { from = "active", transforms = ["boolean"] }
            position = { from = "position", lookup = { a = "A" } }
            """
        )
    )
    values = ["", " x ", "ada@example.com", "maybe", "03/15/2021", "a", 7, True, None, ["y", ""]]
    rows: list[Any] = [{}, *({name: v for name in mapping.fields} for v in values)]
    rows.append(MappingProxyType({"name": " Ada "}))  # not a dict: read through its path
    compared = 0
    for name, spec in mapping.fields.items():
        compiled = spec.evaluator()
        for row in rows:
            assert _outcome(compiled, row) == _outcome(spec.evaluate, row), (name, row)
            compared += 1
    assert compared == len(mapping.fields) * len(rows)
