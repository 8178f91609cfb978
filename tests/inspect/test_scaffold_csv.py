"""`migrator inspect file.csv --scaffold KIND`: the mapping loads whatever the header holds."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.errors import RecordError
from migrator.mapping import load_mapping
from migrator.model import parse_content_model
from migrator.sources import CsvSource

pytestmark = pytest.mark.timeout(60)

# Header cells a real export can hold, each a trap for a hand-written TOML string.
HOSTILE = [
    'Say "hi"',
    "back\\slash",
    "multi\nline",
    "a=b",
    "#hash",
    "e.mail",
    "",
    "名前",
    "Prénom",
    "First Name",
    "first_name",
    "tab\there",
    "[0]",
    "1st",
    "'single'",
    "ends]",
]


def scaffold(tmp_path: Path, header: list[str], rows: list[list[str]]) -> tuple[Path, Path]:
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    out = tmp_path / "m.toml"
    result = CliRunner().invoke(
        cli, ["inspect", str(path), "--scaffold", "team", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return path, out


def load(out: Path):
    raw = tomllib.loads(out.read_text(encoding="utf-8"))  # valid TOML first of all
    fields = {name: {"type": "short_text"} for name in raw["fields"]}
    model = parse_content_model({"collections": {"team": {"fields": fields}}}, "model")
    return raw, load_mapping(out, model)


def test_hostile_headers_make_a_mapping_that_loads_and_maps_each_column(tmp_path: Path) -> None:
    row = [f" value {i} " for i in range(len(HOSTILE))]
    path, out = scaffold(tmp_path, HOSTILE, [row])
    raw, mapping = load(out)
    assert raw["source"]["path"] == path.resolve().as_posix()

    [record] = [r for r in CsvSource(path).records() if not isinstance(r, RecordError)]
    # Each field reads its own column: the value written under that header, stripped.
    by_column = dict(zip(HOSTILE, row, strict=True))
    fields = mapping.fields
    expected_from = {spec["from"]: name for name, spec in raw["fields"].items()}
    for column, value in by_column.items():
        read_as = " ".join(column.split()) or f"column_{HOSTILE.index(column) + 1}"
        if read_as == "ends]":
            continue  # not a source path: commented out (checked below)
        name = expected_from[read_as]
        assert fields[name].evaluate(record.data) == value.strip(), column
    assert '# "ends]" cannot be named in `from`' in out.read_text(encoding="utf-8")
    # Distinct ASCII field names, however alike the headers are.
    assert {"first_name", "first_name_2", "prenom", "ming_qian", "field_1st"} <= set(fields)
    assert all(name.isascii() and name.replace("_", "").isalnum() for name in fields)
    assert raw["target"]["lookup_field"] in fields


def test_quoted_key_and_kind_survive(tmp_path: Path) -> None:
    _, out = scaffold(tmp_path, ['id "x"', "name"], [["1", "Ada"]])
    raw, mapping = load(out)
    assert raw["source"]["key"] == 'id "x"'
    assert mapping.target.lookup_field == "id_x"


def test_duplicate_headers_are_refused_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("name,name\nA,B\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", str(path), "--scaffold", "team"])
    assert result.exit_code != 0
    message = str(result.exception)  # main() prints a MigratorError without a traceback
    assert "duplicate column names" in message and "'name' (columns 1 and 2)" in message


def test_a_semicolon_file_scaffolds_its_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_bytes("name;city\nAda;Kraków\n".encode())
    out = tmp_path / "m.toml"
    result = CliRunner().invoke(cli, ["inspect", str(path), "--scaffold", "t", "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = tomllib.loads(out.read_text(encoding="utf-8"))
    assert raw["source"]["delimiter"] == ";"
    assert [s["from"] for s in raw["fields"].values()] == ["name", "city"]


# --- inspect --option: read a file that needs [source] options, and scaffold them ---------

ESCAPED_NO_HEADER = (
    '# people\n1,"\\"Hacksaw\\" Jim Duggan",jim@example.com\n2,Ada,ada@example.com\n'
)
SHAPE = ["-o", "header=false", "-o", 'columns=["id", "name", "email"]', "-o", "comment=#"]


def test_inspect_reads_with_the_options_given(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(ESCAPED_NO_HEADER, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["inspect", str(path), "--json", *SHAPE, "-o", 'escape="\\\\"']
    )
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.output)
    assert list(summary["columns"]) == ["id", "name", "email"] and summary["rows"] == 2
    assert '"Hacksaw" Jim Duggan' in summary["columns"]["name"]["samples"]
    assert summary["notes"] == []


def test_the_scaffold_carries_the_options_and_loads(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(ESCAPED_NO_HEADER, encoding="utf-8")
    out = tmp_path / "m.toml"
    args = [
        "inspect",
        str(path),
        *SHAPE,
        "-o",
        "escape=\\",
        "--scaffold",
        "team",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    _, mapping = load(out)
    assert mapping.source_options == {
        "key": "id",
        "header": False,
        "columns": ["id", "name", "email"],
        "comment": "#",
        "escape": "\\",
    }
    records = list(CsvSource(path, **mapping.source_options).records())
    assert mapping.fields["name"].evaluate(records[0].data) == '"Hacksaw" Jim Duggan'


def test_a_bad_option_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", str(path), "-o", "header=false"])
    assert result.exit_code != 0
    assert "header = false needs the column names" in str(result.exception)
    result = CliRunner().invoke(cli, ["inspect", str(path), "-o", "header"])
    assert result.exit_code == 2 and "is not KEY=VALUE" in result.output
