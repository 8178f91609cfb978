"""Helpers the CSV tests share: read a file to the end, and an independent stdlib reading."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from shared_data import REALDATA as SHARED
from shared_data import needs_realdata as needs_shared

from migrator.errors import RecordError
from migrator.records import Record
from migrator.sources import CsvSource

REALDATA = SHARED / "csv"
needs_realdata = needs_shared(REALDATA)


def read_all(path: Path, **options: object) -> tuple[list[Record], list[RecordError], CsvSource]:
    source = CsvSource(path, **options)  # type: ignore[arg-type]
    records: list[Record] = []
    errors: list[RecordError] = []
    for item in source.records():
        (errors if isinstance(item, RecordError) else records).append(item)  # type: ignore[arg-type]
    return records, errors, source


def stdlib_rows(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[dict[str, str]]:
    """The whole file through csv.DictReader: an independent reading to compare with."""
    text = path.read_bytes().decode(encoding)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def real(name: str) -> Path:
    return REALDATA / name
