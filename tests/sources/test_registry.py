"""The sources registry and option checking."""

from __future__ import annotations

from pathlib import Path

import pytest

import migrator.sources as sources
from migrator.errors import ConfigError
from migrator.sources import SOURCES, CsvSource, Source, open_source, source_options
from tests.fresh_python import in_fresh_python


def test_all_names_exist() -> None:
    assert sorted(sources.__all__) == sorted(set(sources.__all__))
    for name in sources.__all__:
        assert hasattr(sources, name), name


def test_registry_maps_format_names_to_classes() -> None:
    assert SOURCES["csv"] is CsvSource
    for name, cls in SOURCES.items():
        assert cls.name == name


def test_csv_source_satisfies_the_protocol(tmp_path: Path) -> None:
    source = open_source("csv", tmp_path / "x.csv")
    assert isinstance(source, Source)
    assert source.path == tmp_path / "x.csv"
    assert source.name == "csv"


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown source format 'xlsx'; known formats: .*\bcsv\b"
    ):
        open_source("xlsx", "x.xlsx")


def test_unknown_option_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        open_source("csv", "x.csv", delimeter=";", sheet=1)
    assert str(caught.value) == (
        "source: unknown options 'delimeter', 'sheet' for format 'csv'; valid options: "
        "columns, comment, delimiter, encoding, escape, group_by, header, key, kind, "
        "null_values, skip_blank_lines"
    )
    assert caught.value.key == "source"


def test_source_options() -> None:
    assert source_options("csv") == [
        "columns",
        "comment",
        "delimiter",
        "encoding",
        "escape",
        "group_by",
        "header",
        "key",
        "kind",
        "null_values",
        "skip_blank_lines",
    ]


@pytest.mark.parametrize(
    ("options", "key", "message"),
    [
        ({"delimiter": ",,"}, "delimiter", "must be one character"),
        ({"delimiter": '"'}, "delimiter", "must be one character"),
        ({"encoding": "klingon"}, "encoding", "unknown encoding 'klingon'"),
        ({"null_values": "NA"}, "null_values", "must be a list of strings"),
        ({"null_values": ["NA", 0]}, "null_values", "only strings"),
        ({"kind": ""}, "kind", "non-empty string"),
        ({"key": ""}, "key", "must be a column name"),
        ({"skip_blank_lines": "no"}, "skip_blank_lines", "true or false"),
    ],
)
def test_bad_option_values_are_config_errors(options: dict, key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        open_source("csv", "x.csv", **options)
    assert caught.value.key == key


def test_options_are_normalised() -> None:
    source = CsvSource("x.csv", delimiter="\\t", encoding="LATIN1", key=" Post  ID ")
    assert (source.delimiter, source.encoding, source.key) == ("\t", "iso8859-1", "Post ID")


def test_a_format_is_imported_only_when_used() -> None:
    """A CSV run does not load the other formats' parsers (start-up, issue 14)."""
    probe = (
        "import sys, migrator.sources as s\n"
        "assert sorted(s.SOURCES)[:2] == ['contentful', 'csv'] and 'wxr' in s.SOURCES\n"
        "s.open_source('csv', 'x.csv')\n"
        "loaded = {n for n in sys.modules if n.startswith('migrator.sources.')}\n"
        "common = {'base', 'files', 'limits', 'options', 'csv'}\n"
        "others = {n.split('.')[2] for n in loaded} - common\n"
        "assert not others, others\n"
        "assert s.WxrSource is s.SOURCES['wxr']\n"
    )
    in_fresh_python(probe)
