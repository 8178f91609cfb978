"""The checks of CsvSource's options (a ``ValueError`` is the ``ConfigError`` a user sees,
``Option`` names the option)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migrator.sources.csv.encodings import check_encoding

_DELIMITER_ALIASES = {"tab": "\t", "\\t": "\t"}


def column_name(key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValueError("must be a column name")
    return " ".join(key.split())  # the same normalisation as header names


def delimiter(delimiter: Any) -> str:
    if isinstance(delimiter, str):
        delimiter = _DELIMITER_ALIASES.get(delimiter.lower(), delimiter)
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(
            f"must be one character other than a quote or line break, got {delimiter!r}"
        )
    return delimiter


def encoding(encoding: Any) -> str:
    try:
        return check_encoding(encoding)
    except (LookupError, TypeError):
        raise ValueError(f"unknown encoding {encoding!r}") from None


def null_values(values: Any) -> frozenset[str]:
    if isinstance(values, str) or not isinstance(values, Sequence | set | frozenset):
        raise ValueError('must be a list of strings, e.g. ["", "NULL"]')
    if not all(isinstance(v, str) for v in values):
        raise ValueError("must contain only strings")
    return frozenset(values)


def one_character(what: str) -> Any:
    """A check: one character other than a quote or line break (``what`` names its use)."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or len(value) != 1 or value in '"\r\n':
            raise ValueError(
                f"must be one character ({what}) other than a quote or line break, got {value!r}"
            )
        return value

    return check


def columns(value: Any) -> list[str]:
    """The column names of a file without a header row, in order, each distinct."""
    if not isinstance(value, list) or not value:
        raise ValueError('must be a list of column names, e.g. ["name", "email"]')
    names = [column_name(v) for v in value]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError("names a column twice: " + ", ".join(map(repr, duplicates)))
    return names
