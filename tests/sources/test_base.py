"""The Source base class, its options and SourceStats.summary (each format's own summary
lines are tested with the format)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrator.errors import ConfigError, RecordError
from migrator.records import Location, Record
from migrator.sources import Source, SourceStats
from migrator.sources.options import Option, boolean, optional, string_list


def _upper(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value.upper()


def _nested(value: Any) -> Any:
    if value == "bad":
        raise ConfigError("is wrong in there", key="shout.deep")
    return value


class Lines(Source):
    """One record per line of a text file; a line starting with ``!`` is an error."""

    name = "lines"

    shout = Option(None, optional(_upper))
    strict = Option(False, boolean)
    tags = Option(None, string_list("must be a list of tags"))
    opened = 0
    closed = 0

    def read(self) -> Iterator[Record | RecordError]:
        Lines.opened += 1
        try:
            with self.path.open() as f:
                for number, line in enumerate(f, 1):
                    if line.startswith("!"):
                        yield RecordError("bang", file=self.file, line=number)
                    else:
                        warnings = ("shouted",) if self.shout else ()
                        location = Location(self.file, number)
                        yield Record(str(number), "line", {"text": line}, location, warnings)
        finally:
            Lines.closed += 1


class Nested(Lines):
    deep = Option(None, _nested)
    strict = Option(True, boolean)  # a new default for an inherited option


def test_options_are_checked_stored_and_listed_own_first(tmp_path: Path) -> None:
    source = Lines(tmp_path / "x.txt", shout="hi", tags=["a"])
    assert (source.shout, source.strict, source.tags) == ("HI", False, ["a"])
    assert list(Lines.declared_options()) == ["shout", "strict", "tags"]
    assert list(Nested.declared_options()) == ["deep", "strict", "shout", "tags"]
    assert Nested(tmp_path / "x.txt").strict is True
    assert repr(source) == f"Lines({str(tmp_path / 'x.txt')!r})"


@pytest.mark.parametrize(
    ("options", "key", "message"),
    [
        ({"shout": 3}, "shout", "shout: must be text"),
        ({"strict": "yes"}, "strict", "strict: must be true or false"),
        ({"tags": ["a", ""]}, "tags", "tags: must be a list of tags"),
        ({"deep": "bad"}, "shout.deep", "shout.deep: is wrong in there"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_the_option(
    tmp_path: Path, options: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Nested(tmp_path / "x.txt", **options)
    assert (caught.value.key, str(caught.value)) == (key, message)


def test_an_unknown_option_is_a_type_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="unexpected options: \\['loud'\\]"):
        Lines(tmp_path / "x.txt", loud=True)


def test_records_counts_and_resets_stats(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("a\n!b\nc\n")
    source = Lines(path, shout="x")
    for _ in range(2):
        items = list(source.records())
        assert [type(i).__name__ for i in items] == ["Record", "RecordError", "Record"]
        assert (source.stats.records, source.stats.errors, source.stats.warned) == (2, 1, 2)


def test_stopping_early_closes_read(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("a\nb\nc\n")
    Lines.opened = Lines.closed = 0
    items = Lines(path).records()
    assert isinstance(next(items), Record)
    items.close()
    assert (Lines.opened, Lines.closed) == (1, 1)


def test_a_source_without_read(tmp_path: Path) -> None:
    class Nothing(Source):
        name = "nothing"

    with pytest.raises(NotImplementedError):
        list(Nothing(tmp_path / "x").records())


# --- SourceStats.summary ---------------------------------------------------------------------


def test_summary_of_a_clean_read_is_empty() -> None:
    assert SourceStats(records=12).summary() == []


def test_summary_counts_and_notes() -> None:
    stats = SourceStats(records=3, errors=1, warned=2, notes=["x.json: something odd"])
    assert stats.summary() == [
        "x.json: something odd",
        "1 record could not be read",
        "2 records read with warnings",
    ]
    assert SourceStats(records=1, errors=1_234).summary() == ["1,234 records could not be read"]


def test_summary_shows_the_first_notes_only() -> None:
    stats = SourceStats(records=1, notes=[f"note {i}" for i in range(8)])
    assert stats.summary() == [*(f"note {i}" for i in range(5)), "... and 3 more notes"]


def test_summary_says_when_nothing_was_read() -> None:
    assert SourceStats().summary() == ["no records read"]
