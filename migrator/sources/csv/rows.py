"""Under ``CsvSource``: physical lines in, parsed rows out, each with the lines it spans.

Also the delimiter sniffing, which parses a sample of the file the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

# (physical line number, is it an error?, message)
Issue = tuple[int, bool, str]
# Decoded physical lines, each with the decoding problem found on it, if any.
Lines = Generator[tuple[str, Issue | None], None, None]


@dataclass(slots=True)
class RawRow:
    """One row as the csv module parsed it, with the physical lines it spans."""

    fields: list[str]
    start: int
    end: int
    issues: list[Issue] = field(default_factory=list)
    has_nul: bool = False
    error: str | None = None


class LineFeed:
    """Feeds physical lines to ``csv.reader``, counting them and collecting decode issues.

    After the last line it feeds one extra ``"\\n"``: a reader that is between records
    turns it into an empty row, but one still inside a quoted field swallows it, which
    is how an unterminated quote at the end of the file is noticed.

    With ``comment`` set, a line starting with it *between records* is skipped and
    counted (``comment_lines``); inside a quoted field it is data. The reader pulls one
    line at a time, so "between records" is "the first line asked for since the last row".
    """

    def __init__(self, lines: Iterator[tuple[str, Issue | None]], comment: str | None = None):
        self._lines = lines
        self._comment = comment
        self.count = 0
        self.comment_lines = 0
        self.issues: list[Issue] = []
        self.has_nul = False
        self.exhausted = False
        self.between_rows = True
        self.row_start = 1  # the line the row being read starts on

    def __iter__(self) -> Iterator[str]:
        comment = self._comment
        for text, issue in self._lines:
            self.count += 1
            if self.between_rows:
                if comment is not None and text.startswith(comment):
                    self.comment_lines += 1
                    continue
                self.between_rows = False
                self.row_start = self.count
            if issue is not None:
                self.issues.append(issue)
            if "\x00" in text:
                self.has_nul = True
            yield text
        self.exhausted = True
        if self.between_rows:
            self.row_start = self.count + 1
        yield "\n"


def raw_rows(reader: Iterator[list[str]], feed: LineFeed) -> Iterator[RawRow]:
    """Rows of ``reader`` (reading ``feed``), each with its first and last line.

    A row starts on the first line the feed gave for it, so quoted line breaks and
    skipped comment lines are counted. A ``csv.Error`` becomes a row with ``error`` set,
    and reading goes on.
    """
    while True:
        error: str | None = None
        feed.between_rows = True
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            fields, error = [], str(exc)
        start = feed.row_start
        end = feed.count
        if feed.exhausted:
            if not fields and error is None:
                return  # the sentinel line: the file ended between records
            error = f"a quoted field opened on line {start} is never closed"
            end = max(end, start)
        row = RawRow(fields, start, end, feed.issues, feed.has_nul, error)
        feed.issues = []
        feed.has_nul = False
        yield row


def is_blank(fields: list[str]) -> bool:
    """An empty line, or one holding only whitespace."""
    return not fields or (len(fields) == 1 and not fields[0].strip())


# --- delimiter sniffing -----------------------------------------------------------------


def sample_rows(
    text: str, delimiter: str, complete: bool, escape: str | None = None
) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, escapechar=escape)
        for row in reader:
            if not is_blank(row):
                rows.append(row)
    except csv.Error:
        pass
    if not complete and len(rows) > 1:
        rows.pop()  # probably cut off by the sample's end
    return rows


def header_width(text: str, delimiter: str, escape: str | None = None) -> int:
    rows = sample_rows(text, delimiter, complete=True, escape=escape)
    return len(rows[0]) if rows else 0


def splits_consistently(
    text: str, delimiter: str, complete: bool, escape: str | None = None
) -> bool:
    """Whether ``delimiter`` splits the header into 2+ columns and at least 90% of the
    sampled rows into as many (a few ragged rows do not hide the right delimiter)."""
    rows = sample_rows(text, delimiter, complete, escape)
    if not rows or len(rows[0]) < 2:
        return False
    width, body = len(rows[0]), rows[1:]
    return sum(len(row) == width for row in body) >= 0.9 * len(body)
