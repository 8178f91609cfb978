"""``group_by``: a record over several consecutive rows (Shopify's product CSV).

The expected groups come from the stdlib reading of the whole file (``csv.DictReader``
and ``itertools.groupby``), line numbers from files written here line by line.
"""

from __future__ import annotations

import itertools
import tomllib
import tracemalloc
from pathlib import Path

import pytest
from csv_helpers import needs_realdata, read_all, real, stdlib_rows

from migrator.errors import ConfigError, SourceError
from migrator.mapping import load_mapping
from migrator.model import parse_content_model
from migrator.sources import CsvSource
from migrator.sources.csv import groups
from migrator.sources.csv import source as csv_source

ROOT = Path(__file__).resolve().parents[3]
SHOPIFY = ROOT / "tests" / "cases" / "shopify-products.csv"


def test_shopify_rows_become_one_record_per_handle() -> None:
    records, errors, source = read_all(SHOPIFY, group_by="Handle")
    expected = [
        (handle, list(rows))
        for handle, rows in itertools.groupby(stdlib_rows(SHOPIFY), key=lambda r: r["Handle"])
    ]
    assert errors == []
    assert [r.identity for r in records] == [h for h, _ in expected]
    assert len(records) == 5
    for record, (_, rows) in zip(records, expected, strict=True):
        # All the rows, the first one included, in file order...
        assert record.data["rows"] == rows
        # ... and the first row's columns as the record's own fields.
        assert {k: v for k, v in record.data.items() if k != "rows"} == rows[0]
    apron = records[0]
    assert len(apron.data["rows"]) == 6
    # The blank product columns of the later rows wiped nothing.
    assert (apron.data["Title"], apron.data["Vendor"]) == ("Linen Apron", "Fennel & Fig")
    assert apron.data["Variant SKU"] == "APR-NAT-SM"  # the first variant's, not the last's
    # Located at the group's first line, with its last: the body spans lines 2-3.
    assert (apron.location.line, apron.location.end_line) == (2, 8)
    assert str(apron.location) == f"{SHOPIFY}:2-8"
    assert str(records[1].location) == f"{SHOPIFY}:9"  # one row: one line
    stats = source.stats
    assert (stats.rows, stats.records, stats.errors) == (19, 5, 0)
    assert stats.summary() == ["19 rows grouped by 'Handle' into 5 records"]


def test_without_group_by_each_continuation_row_is_a_duplicate_with_a_hint() -> None:
    records, errors, _ = read_all(SHOPIFY, key="Handle")
    assert len(records) == 5 and len(errors) == 14
    assert str(errors[0]) == (
        f"{SHOPIFY}:4, record linen-apron, field 'Handle': duplicate key 'linen-apron', "
        "first seen at line 2; if the rows of one record follow each other, set "
        'group_by = "Handle" in [source]'
    )


def write(path: Path, *lines: str) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_a_key_that_comes_back_later_is_an_error_naming_both_runs(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.csv",
        "Handle,Title,SKU",  # line 1
        "shirt,T-Shirt,S",
        "shirt,,M",
        "hat,Hat,H",
        "shirt,,L",  # 5: back after "hat"
        "shirt,,XL",
        "mug,Mug,U",
        "shirt,,XXL",  # 8: and once more
    )
    records, errors, source = read_all(path, group_by="Handle")
    # The first run went out as read; nothing was merged into it.
    assert [(r.identity, [row["SKU"] for row in r.data["rows"]]) for r in records] == [
        ("shirt", ["S", "M"]),
        ("hat", ["H"]),
        ("mug", ["U"]),
    ]
    assert [str(e) for e in errors] == [
        f"{path}:5-6, record shirt, field 'Handle': rows with Handle 'shirt' again at "
        "lines 5-6, after other records; its first rows are at lines 2-3. The rows of one "
        "record must be consecutive: sort the file by Handle (these rows were not merged or sent)",
        f"{path}:8, record shirt, field 'Handle': rows with Handle 'shirt' again at line 8, "
        "after other records; its first rows are at lines 2-3. The rows of one record must "
        "be consecutive: sort the file by Handle (these rows were not merged or sent)",
    ]
    assert [(e.line, e.end_line, e.identity) for e in errors] == [(5, 6, "shirt"), (8, 8, "shirt")]
    assert source.stats.summary() == [
        "7 rows grouped by 'Handle' into 5 records",
        "2 records could not be read",
    ]


def test_a_bad_row_invalidates_its_whole_group(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.csv",
        "Handle,Title,SKU",
        "shirt,T-Shirt,S",
        "shirt,,M,oops",  # 3: a field too many
        "shirt,,L",
        "hat,Hat,H",
        ",,orphan",  # 6: no handle
        "hat,,H2",
    )
    records, errors, _ = read_all(path, group_by="Handle")
    assert [(r.identity, len(r.data["rows"])) for r in records] == [("hat", 2)]
    assert [str(e) for e in errors] == [
        f"{path}:2-4, record shirt, field 'Handle': line 3: expected 3 fields, got 4; the "
        "record's other rows (lines 2-4) are not sent without it: fix that row and run again",
        f"{path}:6, field 'Handle': the 'Handle' column is empty; every row of a grouped file "
        "needs it (the rows of one record repeat its value)",
    ]
    # The row without a handle did not split "hat" in two.
    assert records[0].location.end_line == 7


def test_warnings_of_later_rows_name_their_line(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "Handle,SKU", "a,1", "a,2,", "b,3")
    records, errors, _ = read_all(path, group_by="Handle")
    assert errors == []
    assert records[0].warnings == (
        "line 3: 3 fields under a 2-column header; dropped 1 empty trailing field",
    )


def test_a_group_too_long_is_an_error_and_reading_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(groups, "MAX_GROUP_ROWS", 3)
    path = write(tmp_path / "p.csv", "kind,n", *(f"same,{i}" for i in range(5)), "other,9")
    records, errors, _ = read_all(path, group_by="kind")
    assert [r.identity for r in records] == ["other"]
    assert [str(e) for e in errors] == [
        f"{path}:2-6, record same, field 'kind': 5 consecutive rows with kind 'same' "
        "(lines 2-6), more than 3 for one record: is 'kind' the column that names a record "
        "(group_by in [source])?"
    ]


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="key: the group_by column 'Handle' is the key"):
        CsvSource(SHOPIFY, group_by="Handle", key="Title")
    assert CsvSource(SHOPIFY, group_by="Handle", key="Handle").key == "Handle"
    with pytest.raises(ConfigError, match="group_by: must be a column name"):
        CsvSource(SHOPIFY, group_by="  ")
    with pytest.raises(SourceError, match="group_by column 'handle' is not in the header"):
        read_all(SHOPIFY, group_by="handle")
    clash = write(tmp_path / "c.csv", "id,rows", "1,2")
    with pytest.raises(SourceError, match="a column is named 'rows'"):
        read_all(clash, group_by="id")
    no_header = write(tmp_path / "n.csv", "a,1", "a,2")
    records, _, _ = read_all(no_header, header=False, columns=["k", "v"], group_by="k")
    assert [len(r.data["rows"]) for r in records] == [2]
    with pytest.raises(ConfigError, match="group_by: group_by column 'x' is not in columns"):
        CsvSource(no_header, header=False, columns=["k", "v"], group_by="x")


def _peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for _ in CsvSource(path, group_by="g").records())
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.memory
def test_groups_stream_whatever_the_number_of_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first keys are checked in memory up to a bound (~8 MiB at MEMORY_KEYS); past it
    # memory stays flat: both files here are past a bound of 500.
    monkeypatch.setattr(csv_source, "MEMORY_KEYS", 500)

    def make(name: str, groups_count: int) -> Path:
        rows = (f"g{i},{j},{'x' * 40}" for i in range(groups_count) for j in range(3))
        return write(tmp_path / name, "g,n,text", *rows)

    small_count, small_peak = _peak(make("small.csv", 1_000))
    large_count, large_peak = _peak(make("large.csv", 10_000))
    assert (small_count, large_count) == (1_000, 10_000)
    # Ten times the records (30,000 rows), about the same memory: one group at a time.
    assert large_peak - small_peak < 3 * 27_000, (small_peak, large_peak)


# --- inspect ------------------------------------------------------------------------------


def test_inspect_suggests_group_by_for_rows_that_continue_a_record() -> None:
    summary = CsvSource(SHOPIFY).describe()
    assert summary["notes"] == [
        "14 rows repeat the 'Handle' of the row before them, with 'Title' left blank: if "
        "such rows continue one record (a product's variants and images), set group_by = "
        """"Handle" in [source] (here: -o 'group_by="Handle"')"""
    ]


@pytest.mark.parametrize("name", ["team_members.csv", "landing_pages.csv", "blog_posts.csv"])
def test_no_group_by_suggestion_for_files_of_one_row_a_record(name: str) -> None:
    assert CsvSource(ROOT / "migrator" / "samples" / name).describe()["notes"] == []


@needs_realdata
def test_rows_sorted_by_a_column_are_not_taken_for_groups() -> None:
    # 20,000 cities sorted by country: consecutive repeats, but no column left blank.
    summary = CsvSource(real("rust-csv--bench-worldcitiespop.csv")).describe()
    assert not any("group_by" in note for note in summary["notes"])


def test_inspect_of_a_grouped_file_counts_records_and_every_row(tmp_path: Path) -> None:
    source = CsvSource(SHOPIFY, group_by="Handle")
    summary = source.describe()
    assert (summary["rows"], summary["records"]) == (19, "5 (rows grouped by 'Handle')")
    rows = stdlib_rows(SHOPIFY)
    # Columns are described over all the rows, not only each record's first.
    assert summary["columns"]["Variant SKU"]["empty"] == sum(not r["Variant SKU"] for r in rows)
    assert summary["columns"]["Title"]["empty"] == 14
    assert summary["notes"] == []
    mapping = source.scaffold("product")
    assert '\ngroup_by = "Handle"\n' in mapping and "\nkey = " not in mapping
    assert '`from = "rows"` with `each' in mapping
    # It loads, and runs: one record per product.
    out = tmp_path / "m.toml"
    out.write_text(mapping, encoding="utf-8")
    names = tomllib.loads(mapping)["fields"]
    model = parse_content_model(
        {"collections": {"product": {"fields": {n: {"type": "short_text"} for n in names}}}},
        "model",
    )
    loaded = load_mapping(out, model)
    assert loaded.source_options == {"group_by": "Handle"}
    compiled = loaded.compile()
    records, _, _ = read_all(SHOPIFY, **loaded.source_options)
    titles = [p.body["fields"][0]["title"] for r in records if (p := compiled(r))]
    assert titles == [
        "Linen Apron", "Enamel Mug", "Cast Iron Pan", "Gift Card", "Café Blend Coffee"
    ]  # fmt: skip
