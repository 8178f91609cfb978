"""Generic JSON and NDJSON: records by path, identity, kind, bad input, bounded memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import orjson
import pytest

from migrator.errors import ConfigError, RecordError
from migrator.inspect.command import detect_format
from migrator.records import Record
from migrator.sources import JsonSource, NdjsonSource, open_source
from migrator.sources.json import source as json_source
from migrator.sources.json.source import ijson_prefix


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def split(items) -> tuple[list[Record], list[RecordError]]:
    items = list(items)
    return (
        [i for i in items if isinstance(i, Record)],
        [i for i in items if isinstance(i, RecordError)],
    )


@pytest.mark.parametrize(
    ("path", "prefix", "label"),
    [
        ("data.items[*]", "data.items.item", "data.items"),
        ("[*]", "item", ""),
        ("posts[*].data", "posts.item.data", "posts[*].data"),
        ("data.items.item", "data.items.item", "data.items"),
        ("", "", ""),
    ],
)
def test_records_path_becomes_an_ijson_prefix(path: str, prefix: str, label: str) -> None:
    assert ijson_prefix(path) == (prefix, label)


def test_records_under_a_path_with_key_and_kind(tmp_path: Path) -> None:
    doc = {
        "meta": {"n": 3},
        "data": {
            "items": [
                {"sys": {"id": "a"}, "type": "post", "title": "A", "n": 1.5},
                {"sys": {"id": 7}, "type": "page", "title": "B"},
            ]
        },
    }
    path = write(tmp_path / "x.json", orjson.dumps(doc).decode())
    source = open_source("json", path, records_path="data.items[*]", key="sys.id", kind_path="type")
    records, errors = split(source.records())
    assert errors == []
    assert [(r.identity, r.kind, str(r.location)) for r in records] == [
        ("a", "post", f"{path}@data.items[0]"),
        ("7", "page", f"{path}@data.items[1]"),
    ]
    assert records[0].data == doc["data"]["items"][0]  # numbers as int/float, not Decimal
    assert type(records[0].data["n"]) is float
    assert source.stats.records == 2


def test_top_level_list_and_single_object(tmp_path: Path) -> None:
    listed = write(tmp_path / "l.json", '[{"id": 1}, {"id": 2}, {"id": 3}]')
    records, _ = split(JsonSource(listed).records())
    assert [r.identity for r in records] == ["index:0", "index:1", "index:2"]
    assert records[2].location.position == "[2]"
    single = write(tmp_path / "o.json", '  {"id": 9, "title": "only"}')
    records, _ = split(JsonSource(single, key="id", kind="page").records())
    assert [(r.identity, r.kind, r.location.position) for r in records] == [("9", "page", "$")]


def test_bad_records_are_reported_and_the_rest_goes_through(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.json",
        '{"items": [{"id": 1, "type": "a"}, {"id": 1, "type": "a"}, {"type": "a"},'
        ' {"id": 3}, 42, {"id": {"x": 1}, "type": "a"}, {"id": 4, "type": "b"}]}',
    )
    source = JsonSource(path, records_path="items[*]", key="id", kind_path="type")
    records, errors = split(source.records())
    assert [r.identity for r in records] == ["1", "4"]
    assert [(e.file, e.reason) for e in errors] == [
        (f"{path}@items[1]", "duplicate key '1', first seen at " + f"{path}@items[0]"),
        (f"{path}@items[2]", "the key 'id' is missing"),
        (f"{path}@items[3]", "no type: 'type' is missing"),
        (f"{path}@items[4]", "expected a JSON object, got int 42"),
        (f"{path}@items[5]", "the key 'id' is not an id: {'x': 1}"),
    ]
    assert (source.stats.records, source.stats.errors) == (2, 5)


def test_truncated_document_keeps_the_records_before_the_break(tmp_path: Path) -> None:
    text = '{"items": [{"id": 1}, {"id": 2}, {"id": 3, "title": "cut he'
    path = write(tmp_path / "cut.json", text)
    records, errors = split(JsonSource(path, records_path="items[*]", key="id").records())
    assert [r.identity for r in records] == ["1", "2"]
    (error,) = errors
    assert error.file == f"{path}@byte {len(text)}"
    assert "ends in the middle of the JSON" in error.reason


def test_syntax_error_mid_document_names_the_place(tmp_path: Path) -> None:
    path = write(tmp_path / "x.json", '{"items": [{"id": 1}, {"id": 2} {"id": 3}]}')
    records, errors = split(JsonSource(path, records_path="items[*]", key="id").records())
    assert [r.identity for r in records] == ["1", "2"]  # item 2 was complete
    (error,) = errors
    assert error.file is not None and error.file.startswith(f"{path}@bytes 0-")
    assert "I expect ',' or ']'" in error.reason and '{"id": 2} {"id": 3}' in error.reason


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    from migrator.errors import SourceError

    with pytest.raises(SourceError, match="file not found"):
        list(JsonSource(tmp_path / "nope.json").records())


def test_ndjson_lines_errors_and_warnings(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_bytes(
        b'{"id": "a", "t": "x"}\n\n{"id": "b", "t": "x", "s": "\xef\xbf\xbd"}\r\n'
        b'{id: "c"}\n[1, 2]\n{"id": "a", "t": "x"}\n{"id": "d"}\n{"id": "e", "t": "y"}'
    )
    source = open_source("ndjson", path, key="id", kind_path="t")
    records, errors = split(source.records())
    assert [(r.identity, r.kind, r.location.line) for r in records] == [
        ("a", "x", 1),
        ("b", "x", 3),
        ("e", "y", 8),
    ]
    assert records[1].warnings and "U+FFFD" in records[1].warnings[0]
    assert [(e.line, e.reason.split(":")[0]) for e in errors] == [
        (4, "not valid JSON"),
        (5, "expected a JSON object, got list [1, 2]"),
        (6, f"duplicate key 'a', first seen at {path}"),
        (7, "no type"),
    ]
    assert open_source("jsonl", path).name == "jsonl"


def test_ndjson_without_key_uses_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", '{"a": 1}\n\n{"a": 2}\n')
    records, _ = split(NdjsonSource(path).records())
    assert [(r.identity, r.kind) for r in records] == [("line:1", "record"), ("line:3", "record")]


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"key": ""}, "key"),
        ({"kind": ""}, "kind"),
        ({"kind_path": "a..b"}, "kind_path"),
        ({"records_path": 3}, "records_path"),
    ],
)
def test_bad_options(options: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        open_source("json", "x.json", **options)
    assert caught.value.key == key


def test_sniff_and_describe(tmp_path: Path) -> None:
    path = write(tmp_path / "x.ndjson", '{"id": 1, "title": "A"}\n{"id": 2, "title": "B"}\n')
    assert NdjsonSource.sniff(path, path.read_bytes())
    assert not JsonSource.sniff(path, path.read_bytes())
    assert detect_format(path) == "ndjson"
    assert not JsonSource.sniff(tmp_path / "y.json", b"id,title\n1,A\n")
    assert JsonSource.sniff(tmp_path / "y.json", b'[{"id": 1}')
    summary = NdjsonSource(path, key="id").describe()
    assert summary["records"] == 2 and summary["errors"] == 0
    assert summary["types"]["record"]["count"] == 2
    assert summary["types"]["record"]["fields"]["title"] == {
        "count": 2,
        "types": ["string"],
        "sample": "A",
    }


# --- the summary a person sees at the end of a run --------------------------------------------


def test_summary_of_a_cut_off_document(tmp_path: Path) -> None:
    text = '{"items": [{"id": 1}, {"id": 2}, {"id": 3, "title": "cut he'
    path = write(tmp_path / "cut.json", text)
    source = JsonSource(path, records_path="items[*]", key="id")
    list(source.records())
    assert source.stats.summary() == [
        f"{path}@byte {len(text)}: the file ends in the middle of the JSON (truncated?)",
        "1 record could not be read",
    ]


def test_summary_of_ndjson_with_bad_and_suspicious_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "x.ndjson", '{"id": 1}\nnot json\n{"id": 2, "t": "caf\ufffd"}\n')
    source = NdjsonSource(path, key="id")
    list(source.records())
    assert source.stats.summary() == [
        "1 record could not be read",
        "1 record read with warnings",
    ]
    clean = NdjsonSource(write(tmp_path / "ok.ndjson", '{"id": 1}\n'), key="id")
    list(clean.records())
    assert clean.stats.summary() == []


# --- streaming: memory stays flat -----------------------------------------------------------

# Records in the two files each memory test reads: one ten times the other, so that
# anything kept per record shows as growth (about 3.5 bytes a record would fail).
SMALL, LARGE = 2_000, 20_000
GROWTH_PER_RECORD = 3  # bytes
CEILING = 1024 * 1024  # the fixed cost: read buffers, the parser


def _peak(source) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for item in source.records() if isinstance(item, Record))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def _assert_streams(make_source, write, tmp_path: Path, suffix: str, monkeypatch) -> None:
    """Read SMALL then LARGE records: the same count out, the same memory used."""
    # The first keys are checked in memory up to a bound (7.6 MiB at MEMORY_KEYS); past it
    # memory stays flat: both files here are past a bound of 500.
    monkeypatch.setattr(json_source, "MEMORY_KEYS", 500)
    peaks = []
    for n in (SMALL, LARGE):
        path = tmp_path / f"{n}{suffix}"
        write(path, n)
        count, peak = _peak(make_source(path))
        assert count == n
        peaks.append(peak)
    small_peak, large_peak = peaks
    assert large_peak < CEILING, peaks
    assert large_peak - small_peak < GROWTH_PER_RECORD * (LARGE - SMALL), peaks


def _write_json(path: Path, n: int) -> None:
    with path.open("wb") as f:
        f.write(b'{"meta": {}, "data": {"items": [')
        for i in range(n):
            item = {"id": f"id-{i}", "type": "post", "body": "lorem ipsum " * 8}
            f.write((b"," if i else b"") + orjson.dumps(item))
        f.write(b"]}}")


def _write_ndjson(path: Path, n: int) -> None:
    with path.open("wb") as f:
        for i in range(n):
            f.write(orjson.dumps({"id": i, "body": "lorem ipsum " * 8}) + b"\n")


@pytest.mark.memory
def test_large_json_is_streamed_with_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def source(path: Path) -> JsonSource:
        return JsonSource(path, records_path="data.items[*]", kind_path="type")

    _assert_streams(source, _write_json, tmp_path, ".json", monkeypatch)


@pytest.mark.memory
def test_large_ndjson_is_streamed_with_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def source(path: Path) -> NdjsonSource:
        return NdjsonSource(path, key="id")

    _assert_streams(source, _write_ndjson, tmp_path, ".ndjson", monkeypatch)
