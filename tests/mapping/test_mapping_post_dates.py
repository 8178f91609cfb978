"""A blog post's publication date (`published`): checked, sent as one UTC instant, and
filled by the shipped post mappings from what each export holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from migrator.errors import MappingError, RecordError
from migrator.mapping import load_mapping
from migrator.sources import open_source
from tests.mapping.conftest import rec

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "realdata"

Write = Callable[..., Path]

POSTS = """
[source]
format = "csv"
[target]
kind = "post"
title = { from = "title" }
slug = { from = "slug" }
status = "published"
[fields]
"""


def posts_mapping(write: Write, published: str):
    return load_mapping(write(POSTS + f"published = {published}\n"))


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("2024-01-15", "2024-01-15T00:00:00Z"),  # a day: midnight UTC
        ("2008-09-02 14:57:00", "2008-09-02T14:57:00Z"),  # no offset: taken as UTC
        ("2017-06-20T00:32:00-04:00", "2017-06-20T04:32:00Z"),  # an offset: converted
        ("2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00Z"),
    ],
)
def test_the_date_is_sent_as_utc(write_mapping: Write, given: str, sent: str) -> None:
    compiled = posts_mapping(write_mapping, '{ from = "date" }').compile()
    payload = compiled(rec({"title": "T", "slug": "t", "date": given}))
    assert payload is not None and payload.body["published"] == sent


def test_a_bad_date_is_an_invalid_record_naming_it(write_mapping: Write) -> None:
    compiled = posts_mapping(write_mapping, '{ from = "date" }').compile()
    with pytest.raises(RecordError) as err:
        compiled(rec({"title": "T", "slug": "t", "date": "03/15/2021"}, identity="p9", line=12))
    e = err.value
    assert (e.file, e.line, e.identity, e.field) == ("in.csv", 12, "p9", "published")
    assert "expected an ISO 8601 date, got '03/15/2021'" in str(e)


def test_no_date_leaves_the_key_out_unless_required(write_mapping: Write) -> None:
    compiled = posts_mapping(write_mapping, '{ from = "date", optional = true }').compile()
    payload = compiled(rec({"title": "T", "slug": "t", "date": ""}))
    assert payload is not None and "published" not in payload.body  # Butter dates it

    required = posts_mapping(write_mapping, '{ from = "date", required = true }')
    assert required.published_required
    with pytest.raises(RecordError) as err:
        required.compile()(rec({"title": "T", "slug": "t", "date": None}))
    assert err.value.field == "published"
    assert "required by the mapping" in str(err.value)


def test_required_is_only_for_the_post_date(write_mapping: Write) -> None:
    path = write_mapping(
        POSTS + 'summary = { from = "s", required = true }\n'
        'published = { from = "d", optional = true, required = true }\n'
    )
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    found = {p.key: p.message for p in err.value.problems}
    assert found["fields.summary.required"].startswith("only a blog post's date")
    assert found["fields.published.required"] == "a value cannot be both optional and required"


def _dates(mapping: str, source: Path) -> dict[str, tuple[str, str | None]]:
    m = load_mapping(ROOT / "mappings" / f"{mapping}.toml")
    compiled = m.compile()
    out = {}
    for record in open_source(m.source_format, source, **m.source_options).records():
        assert not isinstance(record, RecordError), record
        payload = compiled(record)
        if payload is not None:
            out[payload.identity] = (payload.body["status"], payload.body.get("published"))
    return out


def test_wordpress_posts_are_dated_a_draft_by_its_local_date() -> None:
    # The theme unit test data: every post has its GMT date.
    theme = _dates("wordpress_posts", REAL / "wxr" / "wpimporter--theme-unit-test-data.xml")
    assert len(theme) == 58 and all(date for _, date in theme.values())
    # post_date 2012-01-07 07:07:21 (the site's time), post_date_gmt 14:07:21: the GMT one.
    assert theme["1241"] == ("published", "2012-01-07T14:07:21Z")
    # A draft's post_date_gmt is 0000-00-00 00:00:00: its local post_date stands in.
    utw = _dates("wordpress_posts", REAL / "wxr" / "wpimporter--test-utw-post-meta-import.xml")
    assert utw == {"150": ("draft", "2009-10-20T16:13:20Z")}


def test_ghost_and_blogger_posts_are_dated() -> None:
    ghost = _dates("ghost_posts", REAL / "json" / "ghost-migrate--ghost-export-db-wrapped.json")
    assert sorted(date for _, date in ghost.values()) == [
        "2025-01-01T00:00:00Z",
        "2025-01-02T00:00:00Z",
        "2025-01-03T00:00:00Z",
    ]
    blogger = _dates("json_blog_posts", REAL / "json" / "ghost-migrate--blogger-api-response.json")
    assert blogger["1234563682306064159"] == ("published", "2017-06-20T04:32:00Z")


def test_sanity_posts_take_published_at_else_created_at(tmp_path: Path) -> None:
    # Sanity's blog template has publishedAt; every document has _createdAt.
    export = tmp_path / "data.ndjson"
    export.write_text(
        '{"_id": "a", "_type": "post", "title": "A", "slug": {"current": "a"}, '
        '"_createdAt": "2021-01-01T10:00:00Z", "publishedAt": "2021-02-03T04:05:06.000Z"}\n'
        '{"_id": "b", "_type": "post", "title": "B", "slug": {"current": "b"}, '
        '"_createdAt": "2021-01-02T10:00:00Z"}\n',
        encoding="utf-8",
    )
    assert _dates("sanity_posts", export) == {
        "a": ("published", "2021-02-03T04:05:06Z"),
        "b": ("published", "2021-01-02T10:00:00Z"),
    }
