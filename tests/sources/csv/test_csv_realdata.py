"""CsvSource against real-world CSV files (csv-spectrum, csvkit traps, CMS exports).

Expected values come from somewhere other than the code under test: csv-spectrum's JSON,
the stdlib ``csv.DictReader`` over the whole decoded file, line numbers written into the
case file itself, or the raw bytes. Our own cases are in test_csv.py.
"""

from __future__ import annotations

import json

import pytest
from csv_helpers import REALDATA, needs_realdata, read_all, real, stdlib_rows

from migrator.errors import SourceError
from migrator.sources import CsvSource

# --- csv-spectrum: exact expected parses ----------------------------------------------------

SPECTRUM = [
    "comma_in_quotes",
    "empty",
    "empty_crlf",
    "escaped_quotes",
    "json",
    "location_coordinates",
    "newlines",
    "newlines_crlf",
    "quotes_and_newlines",
    "simple",
    "simple_crlf",
    "utf8",
]


@needs_realdata
@pytest.mark.parametrize("name", SPECTRUM)
def test_csv_spectrum_matches_expected_json(name: str) -> None:
    expected = json.loads((REALDATA / "csvspectrum-expected" / f"{name}.json").read_text())
    if isinstance(expected, dict):  # location_coordinates.json is one object, not a list
        expected = [expected]
    if name == "location_coordinates":
        # Upstream fixture drift: the JSON says 1234567890, the CSV holds 2095257564.
        # Everything else (U+FFFD degree signs, bare quotes) must still match exactly.
        raw = real(f"csvspectrum--{name}.csv").read_bytes()
        assert b"2095257564" in raw
        expected[0]["Contact Phone Number"] = "2095257564"

    records, errors, _ = read_all(real(f"csvspectrum--{name}.csv"))

    assert errors == []
    assert [dict(r.data) for r in records] == expected


@needs_realdata
@pytest.mark.parametrize("name", ["newlines", "newlines_crlf"])
def test_csv_spectrum_line_numbers_after_multiline_field(name: str) -> None:
    records, _, _ = read_all(real(f"csvspectrum--{name}.csv"))
    # header 1, "1,2,3" 2, the two-line field 3-4, "7,8,9" 5
    assert [r.location.line for r in records] == [2, 3, 5]
    assert [r.identity for r in records] == ["row:1", "row:2", "row:3"]


# --- csvkit traps: what a user sees --------------------------------------------------------


@needs_realdata
@pytest.mark.parametrize(("name", "offset"), [("bad", 0), ("bad_skip_lines", 3)])
def test_csvkit_ragged_rows_are_reported_and_reading_goes_on(name: str, offset: int) -> None:
    path = real(f"csvkit--{name}.csv")
    records, errors, source = read_all(path)

    assert [str(e) for e in errors] == [
        f"{path}:{2 + offset}, record row:1: expected 3 fields, got 4",
        f"{path}:{3 + offset}, record row:2: expected 3 fields, got 2",
    ]
    assert all(e.file == str(path) for e in errors)
    assert len(records) == 1
    assert records[0].data == {
        "column_a": "0",
        "column_b": "mixed types.... uh oh",
        "column_c": "17",
    }
    assert records[0].location.line == 4 + offset
    assert records[0].identity == "row:3"  # ragged rows keep their numbers
    assert (source.stats.rows, source.stats.errors, source.stats.blank_lines) == (3, 2, offset)


@needs_realdata
def test_csvkit_blanks_are_strings_unless_null_values_given() -> None:
    records, _, _ = read_all(real("csvkit--blanks.csv"))
    assert records[0].data == {"a": "", "b": "NA", "c": "N/A", "d": "NONE", "e": "NULL", "f": "."}

    nulls = ["", "NA", "N/A", "NONE", "NULL", "."]
    records, _, _ = read_all(real("csvkit--blanks.csv"), null_values=nulls)
    assert records[0].data == dict.fromkeys("abcdef")


@needs_realdata
def test_csvkit_tsv_delimiter_is_sniffed() -> None:
    records, errors, source = read_all(real("csvkit--dummy.tsv"))
    assert errors == []
    assert [dict(r.data) for r in records] == [{"a": "1", "b": "2", "c": "3"}]
    assert source.stats.delimiter == "\t"


@needs_realdata
def test_csvkit_empty_file_is_a_source_error() -> None:
    path = real("csvkit--empty.csv")
    with pytest.raises(SourceError, match="empty file: no header row") as caught:
        list(CsvSource(path).records())
    assert caught.value.file == str(path)


@needs_realdata
def test_csvkit_mac_newlines() -> None:
    records, errors, source = read_all(real("csvkit--mac_newlines.csv"))
    assert errors == []
    assert [dict(r.data) for r in records] == [
        {"a": "1", "b": "2", "c": "3"},
        {"a": "Once upon\ra time", "b": "5", "c": "6"},
    ]
    assert [r.location.line for r in records] == [2, 3]
    assert source.stats.lines == real("csvkit--mac_newlines.csv").read_bytes().count(b"\r")


@needs_realdata
@pytest.mark.parametrize(
    ("name", "shown"),
    [("csvkit--no_header_row.csv", "'1'"), ("rust-csv--smallpop-no-headers.csv", "'9686'")],
)
def test_files_without_header_row_are_refused(name: str, shown: str) -> None:
    path = real(name)
    with pytest.raises(SourceError, match="does not look like a header") as caught:
        list(CsvSource(path).records())
    assert shown in str(caught.value)
    assert str(caught.value).startswith(f"{path}:1: ")


@needs_realdata
def test_csvkit_null_byte_is_removed_with_a_warning() -> None:
    records, errors, source = read_all(real("csvkit--null_byte.csv"))
    assert errors == []
    assert records[0].data == {"a": "", "b": "2", "c": "3"}
    assert records[0].warnings == ("removed NUL bytes from 'a'",)
    assert str(records[0].location).endswith("csvkit--null_byte.csv:2")
    assert source.stats.warned == 1


@needs_realdata
def test_csvkit_optional_quote_characters() -> None:
    records, _, _ = read_all(real("csvkit--optional_quote_characters.csv"))
    assert [dict(r.data) for r in records] == [{"a": "1", "b": "2", "c": "3"}]


@needs_realdata
def test_csvkit_long_row_of_empty_fields_is_kept_with_a_warning() -> None:
    records, errors, _ = read_all(real("csvkit--test_empty_columns_long_row.csv"))
    assert errors == []
    assert records[0].data == {"a": "", "b": "", "c": ""}
    assert records[0].warnings == (
        "4 fields under a 3-column header; dropped 1 empty trailing field",
    )


@needs_realdata
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("csvkit--test_empty_columns_short_row.csv", "expected 3 fields, got 2"),
        ("csvkit--test_extra_header.csv", "expected 4 fields, got 3"),
        ("ghost-migrate--fs-utils-malformed-extra-field.csv", "expected 2 fields, got 3"),
    ],
)
def test_short_and_long_rows_are_record_errors(name: str, message: str) -> None:
    records, errors, _ = read_all(real(name))
    assert records == []
    assert [(e.reason, e.line, e.file) for e in errors] == [(message, 2, str(real(name)))]


@needs_realdata
def test_csvkit_header_with_control_whitespace_is_normalised() -> None:
    path = real("csvkit--test_header_newline.csv")
    records, _, _ = read_all(path)
    assert [dict(r.data) for r in records] == [{"start end": "d", "b": "e", "c": "f"}]
    # The quoted header spans lines broken by LF and by lone CR; the data row starts after.
    header_end = path.read_bytes().index(b"\nd,e,f")
    assert records[0].location.line == len(path.read_bytes()[: header_end + 1].splitlines()) + 1


@needs_realdata
@pytest.mark.parametrize(
    ("name", "encoding", "last"),
    [
        ("csvkit--test_latin1.csv", "windows-1252", "©"),
        ("csvkit--test_utf16_big.csv", "utf-16", "ʤ"),
        ("csvkit--test_utf16_little.csv", "utf-16", "ʤ"),
        ("csvkit--test_utf8.csv", "utf-8", "ʤ"),
        ("csvkit--test_utf8_bom.csv", "utf-8-sig", "ʤ"),
    ],
)
def test_csvkit_encodings_are_detected(name: str, encoding: str, last: str) -> None:
    records, errors, source = read_all(real(name))
    assert errors == []
    assert source.stats.encoding == encoding
    assert len(records) == 2
    columns = list(records[0].data)
    assert columns in (["a", "b", "c"], ["foo", "bar", "baz"])  # no BOM glued to the name
    assert list(records[1].data.values()) == ["4", "5", last]


@needs_realdata
def test_csvkit_locale_numbers_stay_text() -> None:
    records, _, _ = read_all(real("csvkit--test_locale.csv"))
    assert records[0].data == {"a": "1,7", "b": "200.000.000", "c": ""}


@needs_realdata
def test_csvkit_blank_lines_before_header_are_skipped() -> None:
    records, _, source = read_all(real("csvkit--test_skip_lines.csv"))
    assert [dict(r.data) for r in records] == [{"a": "1", "b": "2", "c": "3"}]
    assert records[0].location.line == 5
    assert source.stats.blank_lines == 3


# --- real exports: read completely, checked against an independent reading -------------------

EXPORTS = [
    ("ghost-migrate--beehiiv-posts.csv", "utf-8"),
    ("ghost-migrate--fs-utils-example-blank-line.csv", "utf-8"),
    ("ghost-migrate--mailchimp-subscribed.csv", "utf-8"),
    ("ghost-migrate--substack-posts.csv", "utf-8"),
    ("ghost-migrate--wix-empty-header-only.csv", "utf-8"),
    ("ghost-migrate--wix-posts.csv", "utf-8"),
    ("registrations-for-woocommerce--sample_products-ptBR.csv", "utf-8"),
    ("rust-csv--bench-worldcitiespop.csv", "utf-8"),
    ("rust-csv--uspop-latin1.csv", "latin-1"),
    ("rust-csv--uspop-null.csv", "utf-8"),
]


@needs_realdata
@pytest.mark.parametrize(("name", "encoding"), EXPORTS)
def test_real_exports_read_completely(name: str, encoding: str) -> None:
    path = real(name)
    expected = stdlib_rows(path, encoding)

    records, errors, source = read_all(path)

    assert errors == []
    assert len(records) == len(expected)
    assert [dict(r.data) for r in records] == expected
    assert [r.identity for r in records] == [f"row:{n}" for n in range(1, len(expected) + 1)]
    assert source.stats.records == len(expected)
    assert all(r.kind == "row" for r in records)


@needs_realdata
def test_worldcitiespop_count_matches_line_count() -> None:
    path = real("rust-csv--bench-worldcitiespop.csv")
    data = path.read_bytes()
    # Every line has an even number of quotes, so no quoted field spans lines and the
    # row count is the line count: a count that needs no CSV parser.
    assert all(line.count(b'"') % 2 == 0 for line in data.splitlines())
    records, errors, source = read_all(path)
    assert errors == []
    assert len(records) == data.count(b"\n") - 1
    assert records[-1].location.line == data.count(b"\n")
    assert source.stats.lines == data.count(b"\n")
    quoted = [r for r in records if r.data["City"] == 'kam"yanetspodilskyy']
    assert [r.data["AccentCity"] for r in quoted] == ['Kam"yanetsPodilskyy']


@needs_realdata
def test_latin1_export_decodes_accents() -> None:
    records, _, source = read_all(real("rust-csv--uspop-latin1.csv"))
    assert records[2].data["City"] == "Õakman"
    assert source.stats.encoding == "windows-1252"
    assert source.stats.warned == 0  # the whole file is Latin-1: no per-line surprise


@needs_realdata
def test_blank_line_in_the_middle_is_skipped_and_counted() -> None:
    records, _, source = read_all(real("ghost-migrate--fs-utils-example-blank-line.csv"))
    assert [r.location.line for r in records] == [2, 3, 4, 6, 7]
    assert source.stats.blank_lines == 1


@needs_realdata
def test_wix_header_only_yields_nothing() -> None:
    records, errors, source = read_all(real("ghost-migrate--wix-empty-header-only.csv"))
    assert (records, errors) == ([], [])
    assert source.stats.lines == 1


@needs_realdata
def test_colon_delimited_file_needs_the_delimiter_and_says_so() -> None:
    path = real("rust-csv--smallpop-colon.csv")
    with pytest.raises(SourceError, match=r"set delimiter = ':'"):
        list(CsvSource(path).records())

    records, errors, _ = read_all(path, delimiter=":")
    assert errors == []
    assert [dict(r.data) for r in records] == stdlib_rows(path, delimiter=":")
    assert records[0].data["city"] == "Southborough"


@needs_realdata
def test_every_real_csv_file_is_covered() -> None:
    covered = {f"csvspectrum--{n}.csv" for n in SPECTRUM} | {n for n, _ in EXPORTS}
    covered |= {
        "csvkit--bad.csv",
        "csvkit--bad_skip_lines.csv",
        "csvkit--blanks.csv",
        "csvkit--dummy.tsv",
        "csvkit--empty.csv",
        "csvkit--mac_newlines.csv",
        "csvkit--no_header_row.csv",
        "csvkit--null_byte.csv",
        "csvkit--optional_quote_characters.csv",
        "csvkit--test_empty_columns_long_row.csv",
        "csvkit--test_empty_columns_short_row.csv",
        "csvkit--test_extra_header.csv",
        "csvkit--test_header_newline.csv",
        "csvkit--test_latin1.csv",
        "csvkit--test_locale.csv",
        "csvkit--test_skip_lines.csv",
        "csvkit--test_utf16_big.csv",
        "csvkit--test_utf16_little.csv",
        "csvkit--test_utf8.csv",
        "csvkit--test_utf8_bom.csv",
        "ghost-migrate--fs-utils-malformed-extra-field.csv",
        "rust-csv--smallpop-colon.csv",
        "rust-csv--smallpop-no-headers.csv",
    }
    present = {p.name for p in REALDATA.iterdir() if p.is_file()}
    assert present - covered == set()
