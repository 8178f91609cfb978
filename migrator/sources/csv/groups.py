"""Rows grouped into records: ``group_by = "Handle"`` (Shopify's product CSV, say).

Consecutive rows with one value in the ``group_by`` column are one record, identified by
that value. The first row's columns are the record's fields; every row of the group, the
first one included (Shopify's first row holds the first variant and the first image), is
in a list under ``rows``, each row a table of its columns, for a mapping's repeaters
(``from = "rows"`` with ``each``). Later rows never replace a value of the first row, so
their blank cells wipe nothing.

- A value that comes back after other rows (not consecutive) is not merged: that second
  run of rows is a ``RecordError`` naming its lines and those of the first run. The first
  run is a record as usual (it was read before the second one could be seen).
- A row that cannot be read (ragged, undecodable) makes its whole group a ``RecordError``
  naming the line: a product sent without one of its variants would look complete. A row
  whose group cell cannot be read, or is empty, is an error of its own (with no identity).
- Streaming: only the group being read is held, at most ``MAX_GROUP_ROWS`` rows; a longer
  group is a ``RecordError`` (most likely the wrong column), read to its end unbuffered.
  Where each key's rows were is kept on disk (``SeenKeys``), as ``key`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from migrator.errors import RecordError
from migrator.records import Location, Record
from migrator.seen import SeenKeys

MAX_GROUP_ROWS = 10_000
# The name a grouped record's list of rows goes by in its data.
ROWS = "rows"
# Unreadable lines named in a group's error; more are counted.
_SHOWN_PROBLEMS = 3


@dataclass(slots=True)
class GroupRow:
    """One data row as the grouping sees it."""

    start: int
    end: int
    key: str | None  # the group column's trimmed value; None when the row has none
    data: dict[str, str | None] | None  # None when the row could not be read
    warnings: list[str]
    error: str | None = None


def lines(start: int, end: int) -> str:
    return f"lines {start}-{end}" if end > start else f"line {start}"


class _Group:
    def __init__(self, first: GroupRow, earlier: str | None) -> None:
        self.key = first.key or ""
        self.start = first.start
        self.end = first.end
        self.first = first.data
        self.earlier = earlier  # where this key's rows were before: this run is an error
        self.count = 0
        self.rows: list[dict[str, str | None]] = []
        self.warnings: list[str] = []
        self.problems: list[str] = []
        self.unreadable = 0
        self.add(first)

    def add(self, row: GroupRow) -> None:
        self.end = row.end
        self.count += 1
        if self.earlier is not None or self.count > MAX_GROUP_ROWS:
            self.rows = []  # an error whatever else is in it: hold nothing
            return
        if row.error is not None or row.data is None:
            self.unreadable += 1
            if len(self.problems) < _SHOWN_PROBLEMS:
                self.problems.append(f"line {row.start}: {row.error}")
            return
        self.rows.append(row.data)
        first = self.count == 1
        self.warnings.extend(w if first else f"line {row.start}: {w}" for w in row.warnings)

    def result(self, file: str, kind: str, column: str) -> Record | RecordError:
        where = lines(self.start, self.end)

        def error(message: str) -> RecordError:
            return RecordError(
                message,
                file=file,
                line=self.start,
                end_line=self.end,
                identity=self.key,
                field=column,
            )

        if self.earlier is not None:
            return error(
                f"rows with {column} {self.key!r} again at {where}, after other records; "
                f"its first rows are at {self.earlier}. The rows of one record must be "
                f"consecutive: sort the file by {column} (these rows were not merged or sent)"
            )
        if self.count > MAX_GROUP_ROWS:
            return error(
                f"{self.count:,} consecutive rows with {column} {self.key!r} ({where}), more "
                f"than {MAX_GROUP_ROWS:,} for one record: is {column!r} the column that "
                "names a record (group_by in [source])?"
            )
        if self.unreadable or self.first is None:
            more = self.unreadable - len(self.problems)
            shown = "; ".join(self.problems) + (f"; and {more} more" if more > 0 else "")
            return error(
                f"{shown}; the record's other rows ({where}) are not sent without it: "
                "fix that row and run again"
            )
        data: dict[str, object] = dict(self.first)
        data[ROWS] = self.rows
        return Record(
            identity=self.key,
            kind=kind,
            data=data,
            location=Location(file, self.start, end_line=self.end),
            warnings=tuple(self.warnings),
        )


def grouped(
    rows: Iterable[GroupRow], *, file: str, kind: str, column: str, seen: SeenKeys
) -> Iterator[Record | RecordError]:
    """The records of consecutive rows sharing ``column``'s value (see the module doc)."""
    group: _Group | None = None
    for row in rows:
        if not row.key:
            # No group to put it in: its own error, with no identity (it could be any).
            message = row.error or (
                f"the {column!r} column is empty; every row of a grouped file needs it "
                "(the rows of one record repeat its value)"
            )
            yield RecordError(message, file=file, line=row.start, field=column)
            continue
        if group is not None and row.key == group.key:
            group.add(row)
            continue
        if group is not None:
            yield _finish(group, file, kind, column, seen)
        group = _Group(row, seen.get(row.key))
    if group is not None:
        yield _finish(group, file, kind, column, seen)


def _finish(
    group: _Group, file: str, kind: str, column: str, seen: SeenKeys
) -> Record | RecordError:
    if group.earlier is None:
        seen.put(group.key, lines(group.start, group.end))
    return group.result(file, kind, column)
