"""The Record: what every source yields and every later stage consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# JSON as exports hold it and ButterCMS takes and gives it: the one place its looseness is
# spelled out, so the typed stages (the engine, verify) name it instead of ``Any``.
JsonObject = dict[str, Any]
JsonValue = Any


# Record and Location are made once per record read: not frozen, whose __init__ pays
# object.__setattr__ per field (3x the cost); treat them as read-only all the same.
# Hashable as when frozen (unsafe_hash).
@dataclass(slots=True, unsafe_hash=True)
class Location:
    """Where a record sits in its export, for error messages: ``file:line``."""

    file: str
    line: int | None = None
    # Formats without lines (JSON) name a path or byte offset instead.
    position: str | None = None
    # A record read from several lines (CSV rows grouped by a column): its last line.
    end_line: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            if self.end_line is not None and self.end_line > self.line:
                return f"{self.file}:{self.line}-{self.end_line}"
            return f"{self.file}:{self.line}"
        if self.position is not None:
            return f"{self.file}@{self.position}"
        return self.file


@dataclass(slots=True, unsafe_hash=True)
class Record:
    """One source record.

    ``identity`` is stable across runs of the same export (a key column's value, a
    WordPress post id, a Contentful ``sys.id``; the row number only when there is
    nothing better), so the ledger can tell a re-run from new content.
    ``kind`` is the source's own notion of type (``row``, ``post``, ``page``,
    a Contentful content type...), used by mapping filters.
    """

    identity: str
    kind: str
    data: Mapping[str, Any]
    location: Location
    # Problems the source noticed but recovered from (a ragged row, say).
    warnings: tuple[str, ...] = field(default=())


class RecordWarning(str):
    """A record warning that goes to the run's warnings file and its summary's warnings
    table (a plain ``str`` warning is only counted as "read with warnings"). Written as
    ``what: this record's details``: the summary counts them by what comes before ": ";
    ``field`` is the data key it concerns."""

    field: str

    def __new__(cls, text: str, *, field: str = "") -> RecordWarning:
        warning = super().__new__(cls, text)
        warning.field = field
        return warning
