"""``each``: a repeater's items built from a list in the record (grouped CSV rows, a JSON
list of objects), one spec per repeater field, evaluated on each item."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from migrator.errors import ConfigError, MappingError, RecordError
from migrator.mapping import load_mapping
from migrator.records import Location, Record

Write = Callable[..., Path]

PAGE = """
[source]
format = "csv"
[target]
kind = "page"
page_type = "landing_page"
title = { from = "headline" }
slug = { from = "headline", transforms = ["slugify"] }
[fields]
headline = { from = "headline" }
"""
FAQ = """
[fields.faq]
from = "rows"
[fields.faq.each]
question = { from = "Q", transforms = ["strip"] }
answer = { from = "A", optional = true }
"""


def grouped(*rows: dict[str, str]) -> Record:
    data: dict[str, object] = {**rows[0], "rows": list(rows)}
    return Record("r1", "row", data, Location("in.csv", 2, end_line=1 + len(rows)))


def test_each_builds_one_item_per_row_and_leaves_out_empty_ones(write_mapping: Write) -> None:
    compiled = load_mapping(write_mapping(PAGE + FAQ)).compile()
    record = grouped(
        {"headline": "Help", "Q": " Why? ", "A": "Because."},
        {"headline": "", "Q": "How?", "A": ""},
        {"headline": "", "Q": "", "A": ""},  # nothing for the repeater: no item
        {"headline": "", "Q": "When?"},  # answer optional: missing is empty
    )
    payload = compiled(record)
    assert payload is not None
    assert payload.body["fields"]["faq"] == [
        {"question": "Why?", "answer": "Because."},
        {"question": "How?", "answer": ""},
        {"question": "When?", "answer": ""},
    ]
    assert payload.body["fields"]["headline"] == "Help"  # the first row's own fields
    # A record without the list (not grouped) gets no items only when that is allowed.
    with pytest.raises(RecordError, match="the record has no 'rows'"):
        compiled(Record("r2", "row", {"headline": "x"}, Location("in.csv", 3)))


def test_an_item_that_fails_names_its_place_and_the_record_its_lines(
    write_mapping: Write,
) -> None:
    compiled = load_mapping(write_mapping(PAGE + FAQ)).compile()
    # The second row has an answer but no question: a required field left empty.
    with pytest.raises(RecordError) as err:
        compiled(grouped({"headline": "Help", "Q": "Why?"}, {"headline": "", "Q": "", "A": "!"}))
    assert str(err.value) == (
        "in.csv:2-3, record r1, field 'faq': fields.faq[1].question: required"
    )
    with pytest.raises(RecordError) as err:
        compiled(grouped({"headline": "Help", "Q": "Why?"}, {"headline": ""}))
    assert "faq: rows[1].question: the record has no 'Q' (it has: headline)" in str(err.value)
    not_rows = Record("r3", "row", {"headline": "x", "rows": ["a"]}, Location("in.csv", 4))
    with pytest.raises(RecordError, match=r"rows\[0\] is str, not a table of values"):
        compiled(not_rows)


def test_each_mistakes_are_found_when_the_mapping_loads(write_mapping: Write) -> None:
    text = (
        PAGE
        + """
        summary = { from = "rows", each = { question = "Q" } }
        price = { from = "rows", each = { x = "y" }, transforms = ["number"] }
        body = { template = "{rows}", each = { x = "y" } }

        [fields.faq]
        from = "rows"
        [fields.faq.each]
        answer = { from = "A", transforms = ["bogus"] }
        nope = { from = "N" }
        inner = { from = "rows", each = { a = "b" } }
        """
    )
    with pytest.raises(MappingError) as err:
        load_mapping(write_mapping(text))
    assert isinstance(err.value, ConfigError)
    found = {p.key: p.message for p in err.value.problems}
    assert found["fields.summary.each"] == (
        "each builds a repeater's items; 'summary' is a long_text field"
    )
    assert found["fields.price.each"].startswith(
        "each goes with from (the list of items) and nothing else (got transforms)"
    )
    assert found["fields.body.each"].startswith("each goes with from")
    assert found["fields.faq.each.answer.transforms[0]"].startswith("unknown transform 'bogus'")
    assert found["fields.faq.each.inner.each"] == "repeaters cannot nest"
    text = PAGE + FAQ.replace('question = { from = "Q", transforms = ["strip"] }', 'nope = "N"')
    with pytest.raises(MappingError) as err:
        load_mapping(write_mapping(text))
    found = {p.key: p.message for p in err.value.problems}
    assert found["fields.faq.each.nope"].startswith("no such field in repeater 'faq'")
    assert found["fields.faq.each.question"] == "required by repeater 'faq' but not mapped"
