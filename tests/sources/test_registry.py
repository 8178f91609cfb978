"""The sources registry, option checking and the shared helpers in sources.base."""

from __future__ import annotations

from pathlib import Path

import pytest

import migrator.sources as sources
from migrator.errors import ConfigError
from migrator.sources import SOURCES, CsvSource, Source, open_source, source_options
from migrator.sources.base import decode_windows_1252, guess_encoding, is_ascii_compatible


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
        "delimiter, encoding, key, kind, null_values, skip_blank_lines"
    )
    assert caught.value.key == "source"


def test_source_options() -> None:
    assert source_options("csv") == [
        "delimiter",
        "encoding",
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


@pytest.mark.parametrize(
    ("sample", "encoding", "how"),
    [
        (b"\xef\xbb\xbfa,b\n", "utf-8-sig", "bom"),
        (b"\xff\xfea\x00", "utf-16", "bom"),
        (b"\xfe\xff\x00a", "utf-16", "bom"),
        (b"\xff\xfe\x00\x00a\x00\x00\x00", "utf-32", "bom"),
        (b"caf\xc3\xa9", "utf-8", "utf-8"),
        (b"caf\xc3", "utf-8", "utf-8"),  # cut mid-character by the sample's end
        (b"caf\xe9,", "windows-1252", "fallback"),
        (b"", "utf-8", "utf-8"),
    ],
)
def test_guess_encoding(sample: bytes, encoding: str, how: str) -> None:
    guess = guess_encoding(sample)
    assert (guess.encoding, guess.how) == (encoding, how)


def test_windows_1252_never_fails() -> None:
    assert decode_windows_1252(b"\x80 \x93hi\x94 \x81\xe9") == "€ “hi” \x81é"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", True),
        ("utf-8-sig", True),
        ("cp1252", True),
        ("utf-16", False),
        ("utf-32-le", False),
    ],
)
def test_is_ascii_compatible(encoding: str, expected: bool) -> None:
    assert is_ascii_compatible(encoding) is expected
