"""CsvSource on our own cases: identity, delimiters, headers, encodings, streaming.

Expected values come from somewhere other than the code under test: the stdlib
``csv.DictReader`` over the whole decoded file, line numbers written into the case file
itself, or the raw bytes.
"""

from __future__ import annotations

import csv
import gc
import io
import tracemalloc
import warnings
from collections.abc import Iterable
from pathlib import Path

import pytest
from csv_helpers import needs_realdata, read_all, real, stdlib_rows

from migrator.errors import RecordError, SourceError
from migrator.records import Record
from migrator.sources import CsvSource, open_source
from migrator.sources.csv import source as csv_source
from migrator.sources.files import byte_lines

ROOT = Path(__file__).resolve().parents[3]
CASES = ROOT / "tests" / "cases"
SAMPLES = ROOT / "migrator" / "samples"


# --- our own cases -------------------------------------------------------------------------


def test_line_numbers_count_quoted_newlines_of_every_kind() -> None:
    records, errors, source = read_all(CASES / "csv-line-numbers.csv", key="id")
    assert errors == []
    assert [r.identity for r in records] == ["1", "2", "3", "4", "5"]
    # Each row carries the line it starts on, written by hand into the file.
    assert [r.location.line for r in records] == [int(r.data["expect_line"]) for r in records]
    assert records[2].data["body"] == "three\nmixed\rendings"
    assert records[3].data["body"] == 'a "quoted"\r\n\r\nparagraph'
    assert source.stats.blank_lines == 1


def test_identity_by_key_reports_duplicates_and_empty_keys() -> None:
    path = CASES / "csv-keys.csv"
    records, errors, source = read_all(path, key="id", kind="person")

    assert [(r.identity, r.data["name"], r.location.line) for r in records] == [
        ("1", "Ada", 2),
        ("2", "Grace", 3),
        ("3", "Spaced key", 7),
    ]
    assert all(r.kind == "person" for r in records)
    assert records[2].data["id"] == " 3 "  # the data keeps the raw value
    assert [str(e) for e in errors] == [
        # Right after a row with that key: maybe one record over several rows.
        f"{path}:4, record 2, field 'id': duplicate key '2', first seen at line 3; if the "
        'rows of one record follow each other, set group_by = "id" in [source]',
        f"{path}:5, field 'id': the key column is empty; every row needs a key",
        f"{path}:6, field 'id': the key column is empty; every row needs a key",
        f"{path}:8, record 1, field 'id': duplicate key '1', first seen at line 2",
    ]
    assert (source.stats.records, source.stats.errors, source.stats.rows) == (3, 4, 7)


def test_identity_by_row_number() -> None:
    records, errors, _ = read_all(CASES / "csv-keys.csv")
    assert errors == []
    assert [r.identity for r in records] == [f"row:{n}" for n in range(1, 8)]


def test_missing_key_column_names_the_columns() -> None:
    with pytest.raises(SourceError, match=r"key column 'slug' is not in the header") as caught:
        list(CsvSource(CASES / "csv-keys.csv", key="slug").records())
    assert "columns are: 'id', 'name'" in str(caught.value)


def test_unterminated_quote_at_end_of_file() -> None:
    path = CASES / "csv-unterminated-quote.csv"
    records, errors, _ = read_all(path)
    assert [dict(r.data) for r in records] == [{"id": "1", "body": "fine"}]
    assert [(e.line, e.reason) for e in errors] == [
        (3, "a quoted field opened on line 3 is never closed")
    ]


@pytest.mark.parametrize(
    ("name", "delimiter", "first"),
    [
        (
            "csv-semicolon.csv",
            ";",
            {"produto": "Caneta", "preço": "1,50", "descrição": "Azul; fina"},
        ),
        ("csv-pipe.csv", "|", {"a": "1", "b": "2", "c": "3"}),
    ],
)
def test_delimiter_is_sniffed(name: str, delimiter: str, first: dict[str, str]) -> None:
    path = CASES / name
    records, errors, source = read_all(path)
    assert errors == []
    assert source.stats.delimiter == delimiter
    assert records[0].data == first
    assert [dict(r.data) for r in records] == stdlib_rows(path, delimiter=delimiter)


def test_tsv_suffix_prefers_tab_and_tab_alias(tmp_path: Path) -> None:
    path = tmp_path / "one-column.tsv"
    path.write_text("title\nHello, world\n")
    records, _, source = read_all(path)
    assert source.stats.delimiter == "\t"
    assert records[0].data == {"title": "Hello, world"}

    records, _, source = read_all(CASES / "csv-pipe.csv", delimiter="tab")
    assert source.stats.delimiter == "\t"
    assert records[0].data == {"a|b|c": "1|2|3"}


def test_ambiguous_sample_falls_back_to_comma(tmp_path: Path) -> None:
    path = tmp_path / "ambiguous.csv"
    path.write_text("a;b,c\n1;2,3\n")  # both ; and , split every row evenly
    records, _, source = read_all(path)
    assert source.stats.delimiter == ","
    assert records[0].data == {"a;b": "1;2", "c": "3"}


def test_duplicate_header_is_a_source_error() -> None:
    path = CASES / "csv-duplicate-header.csv"
    with pytest.raises(SourceError) as caught:
        list(CsvSource(path).records())
    assert str(caught.value) == (
        f"{path}:1: duplicate column names in the header: 'email' (columns 2 and 4); "
        "rename them so a mapping can tell them apart"
    )


def test_empty_header_names_become_numbered_columns() -> None:
    path = CASES / "csv-empty-header-name.csv"
    records, errors, source = read_all(path)
    assert errors == []
    assert records[0].data == {
        "name": "Ada",
        "email": "ada@example.com",
        "column_3": "extra",
        "column_4": "",
    }
    assert source.stats.notes == [
        f"{path}:1: column 3 has no name; read as 'column_3'",
        f"{path}:1: column 4 has no name; read as 'column_4'",
    ]


def test_blank_lines_kept_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("a,b\n1,2\n\n3,4\n")
    records, errors, source = read_all(path, skip_blank_lines=False)
    assert [dict(r.data) for r in records] == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    assert [(e.line, e.reason) for e in errors] == [(3, "expected 2 fields, got 1")]
    assert source.stats.blank_lines == 0


def test_utf8_file_with_a_late_latin1_line_falls_back_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    filler = b"".join(b"%d,plain ascii text\n" % n for n in range(8000))
    assert len(filler) > csv_source.SAMPLE_SIZE  # the sample sees only ASCII
    path.write_bytes(b"id,text\n" + filler + b"8000,caf\xe9 \x93quoted\x94\n")

    records, errors, source = read_all(path)

    assert errors == []
    assert records[-1].data["text"] == "café “quoted”"
    line = filler.count(b"\n") + 2
    assert records[-1].location.line == line
    assert records[-1].warnings == (f"line {line} is not valid UTF-8; read it as Windows-1252",)
    assert (source.stats.encoding, source.stats.fallback_lines) == ("utf-8", 1)


@needs_realdata
def test_configured_encoding_is_strict_per_row() -> None:
    path = real("csvkit--test_latin1.csv")
    records, errors, _ = read_all(path, encoding="utf-8")
    assert [dict(r.data) for r in records] == [{"a": "1", "b": "2", "c": "3"}]
    assert len(errors) == 1
    assert errors[0].line == 3
    assert "line 3: bytes A9 at byte 5 are not valid utf-8" in errors[0].reason

    records, errors, _ = read_all(path, encoding="latin-1")
    assert errors == []
    assert records[1].data["c"] == "©"


def test_truncated_utf16_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-16") + b"\x00")
    with pytest.raises(SourceError, match="not valid utf-16"):
        list(CsvSource(path).records())


def test_field_bigger_than_csv_default_limit(tmp_path: Path) -> None:
    body = "<p>" + "x" * 500_000 + "</p>"
    path = tmp_path / "big-field.csv"
    path.write_text(f'id,body\n1,"{body}"\n2,small\n')
    records, errors, _ = read_all(path)
    assert errors == []
    assert records[0].data["body"] == body
    assert records[1].location.line == 3


def test_csv_error_becomes_a_record_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "limit.csv"
    path.write_text("id,body\n1," + "y" * 50 + "\n2,ok\n")
    old = csv.field_size_limit(20)
    monkeypatch.setattr(csv_source, "FIELD_SIZE_LIMIT", 20)
    try:
        records, errors, _ = read_all(path)
    finally:
        csv.field_size_limit(old)
    assert [(e.line, e.reason) for e in errors] == [(2, "field larger than field limit (20)")]
    assert [dict(r.data) for r in records] == [{"id": "2", "body": "ok"}]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        list(CsvSource(tmp_path / "nope.csv").records())
    with pytest.raises(SourceError, match="is a directory"):
        list(CsvSource(tmp_path).records())


def test_records_can_be_read_twice_and_stats_reset() -> None:
    source = CsvSource(CASES / "csv-keys.csv")
    first = [r.identity for r in source.records() if isinstance(r, Record)]
    second = [r.identity for r in source.records() if isinstance(r, Record)]
    assert first == second
    assert source.stats.records == len(first)


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7, 64])
def test_byte_lines_split_like_splitlines_at_any_chunk_boundary(chunk_size: int) -> None:
    data = b'a,b\r\n1,"x\ry"\r\r\n\n2,3\rlast'
    lines = list(byte_lines(io.BytesIO(data), Path("x"), chunk_size=chunk_size))
    assert lines == data.splitlines(keepends=True)
    assert b"".join(lines) == data


def _write_posts(path: Path, rows: int) -> int:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "body"])
        for n in range(rows):
            writer.writerow([n, f"Post {n}", f"First paragraph {n}.\n\nSecond, with a comma."])
    return path.stat().st_size


def _peak_memory_while_reading(path: Path) -> tuple[int, int]:
    source = CsvSource(path)
    tracemalloc.start()
    try:
        count = sum(1 for item in source.records() if isinstance(item, Record))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert source.stats.lines == count * 3 + 1
    return count, peak


# Rows in the two files the memory test reads: one ten times the other, so that anything
# kept per row shows as growth (about 3.5 bytes a row would fail, 54 KB on 18,000 rows).
SMALL_ROWS, LARGE_ROWS = 2_000, 20_000
GROWTH_PER_ROW = 3  # bytes
CEILING = 1024 * 1024  # the fixed cost: read buffers, the csv module, the decoders


@pytest.mark.memory
def test_large_file_streams_with_bounded_memory(tmp_path: Path) -> None:
    small_size = _write_posts(tmp_path / "small.csv", SMALL_ROWS)
    large_size = _write_posts(tmp_path / "large.csv", LARGE_ROWS)
    assert large_size > 9 * small_size

    small_count, small_peak = _peak_memory_while_reading(tmp_path / "small.csv")
    large_count, large_peak = _peak_memory_while_reading(tmp_path / "large.csv")

    assert (small_count, large_count) == (SMALL_ROWS, LARGE_ROWS)
    assert large_peak < CEILING, f"peak {large_peak} bytes for {large_size} bytes"
    # Ten times the rows, the same memory: it streams.
    growth = large_peak - small_peak
    assert growth < GROWTH_PER_ROW * (LARGE_ROWS - SMALL_ROWS), (small_peak, large_peak)


@pytest.mark.parametrize("name", ["csv-keys.csv", "utf16.csv"])
def test_stopping_early_closes_the_file(tmp_path: Path, name: str) -> None:
    path = CASES / name
    if name == "utf16.csv":
        path = tmp_path / name
        path.write_bytes("a,b\n1,2\n3,4\n".encode("utf-16"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = CsvSource(path).records()
        assert isinstance(next(items), Record)
        items.close()
        del items
        gc.collect()
    assert [w.message for w in caught] == []


# --- bundled samples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key", "columns"),
    [
        (
            "team_members.csv",
            "email",
            ["name", "email", "position", "bio", "photo", "joined", "active"],
        ),
        (
            "blog_posts.csv",
            "id",
            ["id", "title", "author_email", "published", "categories", "tags", "body", "status"],
        ),
        (
            "landing_pages.csv",
            "headline",
            ["headline", "summary", "body", "price", "launch_date", "featured", "theme"],
        ),
    ],
)
def test_samples_are_clean(name: str, key: str, columns: list[str]) -> None:
    path = SAMPLES / name
    records, errors, source = read_all(path, key=key)
    assert errors == []
    assert source.stats.warned == 0
    assert [dict(r.data) for r in records] == stdlib_rows(path)
    assert all(list(r.data) == columns for r in records)
    assert len(records) >= 5


def test_blog_post_sample_values_fit_the_demo() -> None:
    records, _, _ = read_all(SAMPLES / "blog_posts.csv", key="id")
    assert {r.data["author_email"] for r in records} == {"ada@example.com", "grace@example.com"}
    assert {r.data["status"] for r in records} == {"publish", "draft"}
    assert any("\n\n" in (r.data["body"] or "") for r in records)
    assert any("|" in (r.data["categories"] or "") for r in records)


def _names(items: Iterable[Record | RecordError]) -> list[str]:
    return [type(i).__name__ for i in items]


def test_open_source_builds_a_csv_source() -> None:
    source = open_source("csv", CASES / "csv-pipe.csv", key="a")
    assert isinstance(source, CsvSource)
    assert _names(source.records()) == ["Record", "Record"]


# --- the summary a person sees at the end of a run --------------------------------------------


def test_summary_of_a_clean_file_is_empty() -> None:
    _, _, source = read_all(SAMPLES / "blog_posts.csv", key="id")
    assert source.stats.summary() == []


def test_summary_names_an_encoding_from_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-16"))
    _, _, source = read_all(path)
    assert source.stats.summary() == ["read as utf-16 (the file starts with its byte order mark)"]
    path.write_bytes("a,b\n1,2\n".encode("utf-8-sig"))  # UTF-8 with a BOM: nothing to say
    assert read_all(path)[2].stats.summary() == []


def test_summary_of_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,name\n1,Société\n".encode("latin-1"))
    _, _, source = read_all(path)
    assert source.stats.summary() == [
        f"{path}: not UTF-8; read as windows-1252, guessed from the whole file. "
        'Set encoding = "windows-1252" (or the right one) in [source] to be sure'
    ]


def test_summary_of_late_latin1_lines_bad_rows_and_warnings(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    filler = b"".join(b"%d,plain ascii text\n" % n for n in range(8000))
    bad = b"8000,caf\xe9\n8001,na\xefve\n8002,too,many\n"
    path.write_bytes(b"id,text\n" + filler + bad)
    _, _, source = read_all(path)
    assert source.stats.summary() == [
        "2 lines not valid UTF-8, read as Windows-1252 (the records carry a warning)",
        "1 record could not be read",
        "2 records read with warnings",
    ]


def test_summary_of_a_header_only_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("id,title\n\n")
    assert read_all(path)[2].stats.summary() == ["no records read"]
