"""Shapes real CSV files have that need a [source] option: no header row, comment lines,
backslash-escaped quotes, a delimiter the sniffing would not pick.

Expected values come from the stdlib ``csv`` module over the whole file (with the
matching dialect), or are written into the case by hand.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from csv_helpers import read_all, real
from shared_data import needs_realdata

from migrator.errors import ConfigError, SourceError
from migrator.sources import CsvSource, open_source

NO_HEADERS = real("rust-csv--smallpop-no-headers.csv")
COLON = real("rust-csv--smallpop-colon.csv")
POP = ["city", "region", "country", "population"]


def stdlib(path: Path, **dialect: str) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), **dialect))


# --- no header row ----------------------------------------------------------------------


@needs_realdata(NO_HEADERS)
def test_a_file_without_header_is_refused_with_the_options_to_read_it() -> None:
    with pytest.raises(SourceError) as caught:
        read_all(NO_HEADERS)
    message = str(caught.value)
    assert "header = false" in message and "columns = [" in message


@needs_realdata(NO_HEADERS)
def test_header_false_reads_every_line_as_a_row_under_the_given_names() -> None:
    records, errors, _ = read_all(NO_HEADERS, header=False, columns=POP)
    expected = stdlib(NO_HEADERS)
    assert errors == [] and len(records) == len(expected) == 10
    assert [list(r.data.values()) for r in records] == expected
    assert records[0].data["city"] == "Southborough" and records[0].location.line == 1
    assert [r.location.line for r in records] == list(range(1, 11))


@needs_realdata(real("csvkit--no_header_row.csv"))
def test_a_one_line_file_without_header_is_one_record() -> None:
    records, errors, _ = read_all(
        real("csvkit--no_header_row.csv"), header=False, columns=["a", "b", "c"]
    )
    assert errors == [] and [r.data for r in records] == [{"a": "1", "b": "2", "c": "3"}]


def test_rows_wider_than_the_given_columns_are_errors_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Ada,ada@example.com\nGrace,grace@example.com,extra\n", encoding="utf-8")
    records, errors, _ = read_all(path, header=False, columns=["name", "email"])
    assert [r.data["name"] for r in records] == ["Ada"]
    assert [str(e) for e in errors] == [f"{path}:2, record row:2: expected 2 fields, got 3"]


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ({"header": False}, "header", "columns = ["),
        ({"columns": ["a"]}, "columns", "header = false"),
        ({"header": False, "columns": ["a", "a"]}, "columns", "'a'"),
        ({"header": False, "columns": []}, "columns", "list of column names"),
        ({"header": False, "columns": "a,b"}, "columns", "list of column names"),
        ({"header": False, "columns": ["a"], "key": "id"}, "key", "'id' is not in columns"),
        ({"comment": "##"}, "comment", "one character"),
        ({"escape": '"'}, "escape", "one character"),
    ],
)
def test_bad_shape_options_name_the_option(
    tmp_path: Path, options: dict, key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        CsvSource(tmp_path / "x.csv", **options)
    assert caught.value.key == key and words in str(caught.value)


# --- comment lines ----------------------------------------------------------------------

COMMENTED = (
    "# exported 2024-05-01 by the CRM\n"  # 1
    "# columns: name, bio\n"  # 2
    "name,bio\n"  # 3
    "Ada,first\n"  # 4
    "# a note between rows\n"  # 5
    'Grace,"two\n'  # 6
    '# not a comment: inside a quoted field"\n'  # 7
    "Linus,#hashtag\n"  # 8
)


def test_comment_lines_are_skipped_counted_and_lines_stay_right(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(COMMENTED, encoding="utf-8")
    records, errors, source = read_all(path, comment="#")
    assert errors == []
    assert [(r.data["name"], r.data["bio"], r.location.line) for r in records] == [
        ("Ada", "first", 4),
        ("Grace", "two\n# not a comment: inside a quoted field", 6),
        ("Linus", "#hashtag", 8),
    ]
    assert source.stats.comment_lines == 3
    assert "3 comment lines skipped" in source.stats.summary()


def test_without_the_option_a_comment_line_is_the_header(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(COMMENTED, encoding="utf-8")
    records, _, _ = read_all(path)
    assert "# exported 2024-05-01 by the CRM" in records[0].data  # what a user saw before


# --- backslash-escaped quotes -------------------------------------------------------------

ESCAPED = 'id,name\n1,"\\"Hacksaw\\" Jim Duggan"\n2,"C:\\\\temp"\n3,"plain ""doubled"" too"\n'


def test_escape_reads_backslash_escaped_quotes(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(ESCAPED, encoding="utf-8")
    records, errors, source = read_all(path, escape="\\")
    assert errors == []
    assert [r.data["name"] for r in records] == [
        '"Hacksaw" Jim Duggan',
        "C:\\temp",
        'plain "doubled" too',
    ]
    assert [r.data["name"] for r in records] == [
        row[1] for row in stdlib(path, escapechar="\\")[1:]
    ]
    assert source.stats.notes == []


def test_without_escape_the_mangled_value_comes_with_a_note_naming_the_option(
    tmp_path: Path,
) -> None:
    path = tmp_path / "e.csv"
    path.write_text(ESCAPED, encoding="utf-8")
    records, _, source = read_all(path)
    assert records[0].data["name"] == '\\Hacksaw\\" Jim Duggan"'  # the stdlib's reading
    [note] = source.stats.notes
    assert 'set escape = "\\\\"' in note and str(path) in note
    assert note in source.stats.summary()


# --- a configured delimiter always wins ---------------------------------------------------


@needs_realdata(COLON)
def test_a_configured_colon_delimiter_reads_the_colon_file() -> None:
    with pytest.raises(SourceError, match="delimiter = ':'"):
        read_all(COLON)
    records, errors, source = read_all(COLON, delimiter=":")
    expected = stdlib(COLON, delimiter=":")
    assert errors == [] and [list(r.data.values()) for r in records] == expected[1:]
    assert list(records[0].data) == expected[0] == POP
    assert source.stats.delimiter == ":"


def test_a_configured_delimiter_wins_over_one_that_splits_more_evenly(tmp_path: Path) -> None:
    # Sniffing picks ',' here (it splits every row in two); the file is ';'-separated.
    path = tmp_path / "s.csv"
    path.write_text("name, kind;price\nNuts, salted;1.50\nFigs, dried;2.75\n", encoding="utf-8")
    sniffed, _, source = read_all(path)
    assert source.stats.delimiter == "," and list(sniffed[0].data) == ["name", "kind;price"]
    records, errors, source = read_all(path, delimiter=";")
    assert errors == [] and source.stats.delimiter == ";"
    assert [r.data for r in records] == [
        {"name, kind": "Nuts, salted", "price": "1.50"},
        {"name, kind": "Figs, dried", "price": "2.75"},
    ]


def test_a_configured_tab_wins_for_a_one_column_first_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("name\temail\nAda\tada@example.com\n", encoding="utf-8")
    records, _, _ = read_all(path, delimiter="tab", key="email")
    assert records[0].data == {"name": "Ada", "email": "ada@example.com"}


def test_options_reach_the_source_through_open_source(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("# c\n" + ESCAPED.split("\n", 1)[1], encoding="utf-8")
    source = open_source(
        "csv", path, header=False, columns=["id", "name"], comment="#", escape="\\"
    )
    assert next(r.data["name"] for r in source.records()) == '"Hacksaw" Jim Duggan'
