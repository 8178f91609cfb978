r"""CSV and TSV exports: one record per data row, keyed by a column or by row number.

Choices, made so that a user never loses data without being told:

- **Header.** The first non-blank row names the columns. Names are trimmed, a BOM is
  dropped and runs of whitespace (even newlines inside a quoted name) become one space,
  because a mapping names columns on one line. An *empty* name becomes ``column_<n>``
  (n = 1-based position; spreadsheets write trailing commas) and is noted in
  ``stats.notes``. A *duplicate* name is a ``SourceError``: a mapping could not say which
  column it means. A header cell that is a number (``1,2,3``) is a ``SourceError`` too:
  the file most likely has no header row and its first row would be lost.
- **No header row.** ``header = false`` with ``columns = ["name", "email", ...]`` reads
  every row as data under those names (a row of another width is a ``RecordError``).
  ``columns`` without ``header = false``, or the reverse, is a ``ConfigError``.
- **Comments.** ``comment = "#"`` skips lines starting with ``#`` between rows (inside
  a quoted field such a line is data), counted in ``stats.comment_lines``.
- **Escaped quotes.** ``escape = "\\"`` reads ``\"`` as ``"`` (and ``\\`` as ``\``),
  as MySQL and some PHP exports write them. Without it, a ``\"`` in the sample adds a
  note suggesting the option (the stdlib would read ``"\"Hacksaw\" Jim"`` as
  ``\Hacksaw\" Jim"``).
- **Empty file.** No header row at all (0 bytes, or blank lines only) is a
  ``SourceError``: it is almost always a failed export. A header-only file yields nothing.
- **Blank lines** are skipped and counted (``stats.blank_lines``) when
  ``skip_blank_lines`` (the default); otherwise a blank line is a row with one empty field.
- **Ragged rows.** A row with fewer fields than the header, or with extra *non-empty*
  fields, is yielded as a ``RecordError`` ("expected 3 fields, got 4") and reading goes
  on: padding or cutting would put data under the wrong column. Extra fields that are
  all empty (a trailing comma) are dropped with a warning on the record.
- **Unterminated quote** at the end of the file: a ``RecordError`` for that row.
- **Delimiter.** ``delimiter=`` always wins, whatever the first rows look like. Otherwise
  the first of ``, TAB ; |`` (TAB first for ``.tsv``/``.tab`` files) that splits the
  header into several columns and at least 90% of the sampled rows into as many is
  used; if none does, comma (tab for ``.tsv``). When that leaves a single column but
  ``: ^ ~ !`` would split the file, it is a ``SourceError`` suggesting ``delimiter=``.
- **Encoding.** ``encoding=`` always wins and is used strictly: a line that does not
  decode makes its row a ``RecordError``. Otherwise a BOM decides (UTF-8, UTF-16, UTF-32);
  without one, a first 64 KiB that is valid UTF-8 means UTF-8, and a later line that is
  not is read as Windows-1252 with a warning on its record. A sample that is not UTF-8 is
  handed to chardet (``encodings.guess_encoding``): ISO-8859-2, CP1250, Shift-JIS (as
  CP932) and the like are read as such, a line the guess cannot decode gets U+FFFD and a
  warning; with too little evidence, Windows-1252 (which covers Latin-1). A guess is a
  note in ``stats.notes`` (the run's summary) and ``stats.encoding_how == "guessed"``
  (inspect says "guessed"). UTF-16/32 that stops decoding part-way is a ``SourceError``
  raised mid-stream (the rest cannot be trusted).
- **NUL bytes** are removed from values, with a warning on the record naming the fields.
- **Identity.** ``key=`` names a column whose trimmed value identifies the row across runs;
  an empty value or one seen before is a ``RecordError`` (the first one wins). Seen keys are
  kept on disk (``migrator.seen.SeenKeys``; the first ``MEMORY_KEYS`` in memory), so
  memory stays bounded on any number of rows.
  Without ``key`` the identity is ``row:<n>``, n counting data rows (not blank lines),
  ragged ones included, so fixing a bad row does not renumber the others.
- **Records over several rows.** ``group_by = "Handle"``: consecutive rows with one value
  in that column are one record, keyed by it; the first row's columns are its fields and
  all its rows a list under ``rows`` (``groups.py`` says what is an error there).
- **Lines.** ``Location.line`` is the physical line (1-based) where the row starts;
  LF, CRLF and a lone CR each end a line, inside quoted fields too.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from migrator.errors import ConfigError, RecordError, SourceError
from migrator.records import Location, Record
from migrator.seen import MEMORY_KEYS, SeenKeys
from migrator.sources.base import Source, SourceStats
from migrator.sources.csv import options as checks
from migrator.sources.csv.encodings import (
    WINDOWS_1252,
    decode_windows_1252,
    guess_encoding,
    guessed_lines,
    is_ascii_compatible,
    lenient_lines,
    strict_lines,
    text_lines,
)
from migrator.sources.csv.groups import ROWS, GroupRow, grouped
from migrator.sources.csv.rows import (
    LineFeed,
    Lines,
    RawRow,
    header_width,
    is_blank,
    raw_rows,
    splits_consistently,
)
from migrator.sources.files import SAMPLE_SIZE, open_binary
from migrator.sources.limits import MAX_COLUMNS, MAX_VALUE
from migrator.sources.options import Option, boolean, non_empty_string, optional

# csv's default field limit (128 KiB) is smaller than a rich-text body with inline
# images. The limit is process-wide, so it is only ever raised, never lowered.
FIELD_SIZE_LIMIT = MAX_VALUE


SNIFFED_DELIMITERS = (",", "\t", ";", "|")
# Never used unless configured, but suggested when they would split a one-column file.
HINTED_DELIMITERS = (":", "^", "~", "!")
_TAB_SUFFIXES = (".tsv", ".tab")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|\d*\.\d+)")


@dataclass
class CsvStats(SourceStats):
    lines: int = 0  # physical lines read
    rows: int = 0  # data rows (records + errors), not blank lines or the header
    blank_lines: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    fallback_lines: int = 0  # lines read as Windows-1252 after the sample looked like UTF-8
    comment_lines: int = 0  # lines skipped because they start with the `comment` mark
    # Lines of a guessed encoding that did not decode in it (read with U+FFFD, warned).
    replaced_lines: int = 0
    # How the encoding was chosen: configured, bom, utf-8 or guessed (encodings.py).
    encoding_how: str | None = None
    group_by: str | None = None  # the column rows were grouped by, if they were

    def summary(self) -> list[str]:
        lines = []
        if self.encoding_how == "bom" and self.encoding != "utf-8-sig":
            lines.append(f"read as {self.encoding} (the file starts with its byte order mark)")
        if self.fallback_lines:
            n = self.fallback_lines
            lines.append(
                f"{n:,} line{'s' if n != 1 else ''} not valid UTF-8, read as Windows-1252 "
                "(the records carry a warning)"
            )
        if self.replaced_lines:
            n = self.replaced_lines
            lines.append(
                f"{n:,} line{'s' if n != 1 else ''} not valid {self.encoding} (the guessed "
                "encoding), bad bytes read as U+FFFD (the records carry a warning)"
            )
        if self.comment_lines:
            n = self.comment_lines
            lines.append(f"{n:,} comment line{'s' if n != 1 else ''} skipped")
        if self.group_by is not None:
            read = self.records + self.errors  # as the run's "records read" counts them
            lines.append(
                f"{self.rows:,} row{'s' if self.rows != 1 else ''} grouped by "
                f"{self.group_by!r} into {read:,} record{'s' if read != 1 else ''}"
            )
        # Not valid UTF-8 from the start: the note says which encoding was guessed.
        return [*lines, *super().summary()]


class CsvSource(Source):
    """Read a CSV/TSV export; see the module docstring for how odd input is treated."""

    name = "csv"
    stats_type = CsvStats
    stats: CsvStats

    key = Option(None, optional(checks.column_name))
    # Consecutive rows with one value in this column are one record (groups.py).
    group_by = Option(None, optional(checks.column_name))
    delimiter = Option(None, optional(checks.delimiter))
    encoding = Option(None, optional(checks.encoding))
    kind = Option("row", non_empty_string)
    skip_blank_lines = Option(True, boolean)
    null_values = Option((), checks.null_values)
    # A file without a header row: ``header = false`` and the names in ``columns``.
    header = Option(True, boolean)
    columns = Option(None, optional(checks.columns))
    # Lines starting with this (between rows) are skipped and counted.
    comment = Option(None, optional(checks.one_character("the comment mark, e.g. '#'")))
    # The character that escapes a quote (or itself) inside a field: "\\" reads \" as ".
    escape = Option(None, optional(checks.one_character("the escape, e.g. '\\\\'")))

    def __init__(self, path: str | os.PathLike[str], **options: Any) -> None:
        super().__init__(path, **options)
        if self.header and self.columns is not None:
            raise ConfigError(
                "columns names the columns of a file without a header row; "
                "set header = false too (or drop columns to use the file's header)",
                key="columns",
            )
        if not self.header and self.columns is None:
            raise ConfigError(
                'header = false needs the column names: columns = ["name", "email", ...]',
                key="header",
            )
        if self.group_by is not None:
            if self.key is not None and self.key != self.group_by:
                raise ConfigError(
                    f"the group_by column {self.group_by!r} is the key of a grouped file; "
                    "leave key out (or set it to the same column)",
                    key="key",
                )
            self.__dict__["key"] = self.group_by
        if self.key is not None and self.columns is not None and self.key not in self.columns:
            option = "group_by" if self.group_by else "key"
            raise ConfigError(f"{option} column {self.key!r} is not in columns", key=option)

    def __repr__(self) -> str:
        return f"CsvSource({self.file!r}, key={self.key!r})"

    # --- the mini-protocol of migrator inspect (see sources.base) ------------------------

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        from migrator.sources.csv.describe import sniff

        return sniff(path, head)

    def describe(self) -> dict[str, Any]:
        from migrator.sources.csv.describe import describe

        return describe(self)

    def scaffold(self, kind: str) -> str:
        from migrator.sources.csv.describe import scaffold

        return scaffold(self, kind)

    # --- reading -------------------------------------------------------------------------

    def read(self) -> Iterator[Record | RecordError]:
        stats = self.stats
        if csv.field_size_limit() < FIELD_SIZE_LIMIT:
            csv.field_size_limit(FIELD_SIZE_LIMIT)
        with open_binary(self.path) as raw, contextlib.ExitStack() as cleanup:
            sample = self._read_sample(raw)
            lines = self._decoded_lines(raw, sample)
            # Close the line generator (and any text wrapper in it) before the file,
            # also when the caller stops early.
            cleanup.callback(lines.close)
            stats.delimiter = self._choose_delimiter(sample)
            feed = LineFeed(lines, self.comment)
            reader = csv.reader(
                feed,
                delimiter=stats.delimiter,
                quotechar='"',
                escapechar=self.escape,
                strict=False,
            )
            rows = raw_rows(reader, feed)
            columns = self.columns if self.columns is not None else self._read_header(rows)
            yield from self._records(rows, columns)
            stats.lines = feed.count
            stats.comment_lines = feed.comment_lines

    @property
    def unique_identities(self) -> bool:
        return True  # the key column is checked for duplicates as rows are read, or "row:N"

    def _read_sample(self, raw: BinaryIO) -> bytes:
        try:
            sample = raw.read(SAMPLE_SIZE)
            raw.seek(0)
        except OSError as exc:
            raise SourceError(f"read failed: {exc.strerror or exc}", file=self.path) from None
        return sample

    def _decoded_lines(self, raw: BinaryIO, sample: bytes) -> Lines:
        """Pick the encoding; return the file as (line text, decode issue) pairs."""
        stats = self.stats
        if self.encoding is not None:
            stats.encoding, stats.encoding_how = self.encoding, "configured"
            if is_ascii_compatible(self.encoding):
                return strict_lines(raw, self.path, self.encoding)
            return text_lines(raw, self.path, self.encoding)
        guess = guess_encoding(sample)
        stats.encoding, stats.encoding_how = guess.encoding, guess.how
        if guess.how == "bom" and not is_ascii_compatible(guess.encoding):
            return text_lines(raw, self.path, guess.encoding)
        if guess.how == "guessed":
            seen = "the whole file" if len(sample) < SAMPLE_SIZE else "its first 64 KiB"
            stats.notes.append(
                f"{self.path}: not UTF-8; read as {guess.encoding}, guessed from {seen}. "
                f'Set encoding = "{guess.encoding}" (or the right one) in [source] to be sure'
            )
            if guess.encoding != WINDOWS_1252:
                return guessed_lines(raw, self.path, guess.encoding, self._count_replaced)
            return lenient_lines(raw, self.path, on_fallback=None)
        # A line that is not UTF-8 is a surprise (with a warning) only when the sample was.
        return lenient_lines(raw, self.path, on_fallback=self._count_fallback)

    def _count_replaced(self) -> None:
        self.stats.replaced_lines += 1

    def _count_fallback(self) -> None:
        self.stats.fallback_lines += 1

    def _choose_delimiter(self, sample: bytes) -> str:
        """``delimiter`` when configured (always: nothing in the file overrides it), else
        the one that splits the sample evenly."""
        text = self._sample_text(sample)
        if self.escape is None and '\\"' in text:
            self.stats.notes.append(
                f'{self.path}: \\" appears in the first rows; if a backslash escapes quotes '
                'in this file, set escape = "\\\\" in [source] (now \\ is read as text and '
                "that quote closes the field)"
            )
        if self.delimiter is not None:
            return self.delimiter
        if self.comment is not None:
            # Approximate (a quoted field could hold such a line), but only for sniffing.
            kept = text.splitlines(keepends=True)
            text = "".join(line for line in kept if not line.startswith(self.comment))
        complete = len(sample) < SAMPLE_SIZE
        order: tuple[str, ...] = SNIFFED_DELIMITERS
        if self.path.suffix.lower() in _TAB_SUFFIXES:
            order = ("\t", *(d for d in SNIFFED_DELIMITERS if d != "\t"))
        for candidate in order:
            if splits_consistently(text, candidate, complete, self.escape):
                return candidate
        default = order[0]
        if header_width(text, default, self.escape) == 1:
            for candidate in HINTED_DELIMITERS:
                if splits_consistently(text, candidate, complete, self.escape):
                    raise SourceError(
                        f"found a single column, but the rows split evenly on {candidate!r}; "
                        f"if that is the delimiter, set delimiter = {candidate!r} in [source]",
                        file=self.path,
                    )
        return default

    def _sample_text(self, sample: bytes) -> str:
        encoding = self.stats.encoding or "utf-8"
        if encoding == WINDOWS_1252 and self.encoding is None:
            return decode_windows_1252(sample)
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        return str(decoder.decode(sample, final=len(sample) < SAMPLE_SIZE))

    def _read_header(self, rows: Iterator[RawRow]) -> list[str]:
        for row in rows:
            if row.error is not None:
                raise SourceError(f"cannot read the header row: {row.error}", file=self.path)
            if is_blank(row.fields):
                self.stats.blank_lines += 1
                continue
            errors = [message for _, is_error, message in row.issues if is_error]
            if errors:
                raise SourceError(f"header row: {errors[0]}", file=self.path, line=row.start)
            if len(row.fields) > MAX_COLUMNS:
                raise SourceError(
                    f"the header row has {len(row.fields):,} columns, more than "
                    f"{MAX_COLUMNS:,} (a spreadsheet's limit): not a table a mapping can use",
                    file=self.path,
                    line=row.start,
                )
            columns = self._column_names(row)
            if self.group_by is not None and ROWS in columns:
                raise SourceError(
                    f"a column is named {ROWS!r}, the name group_by gives the list of a "
                    "record's rows; rename that column in the header",
                    file=self.path,
                    line=row.start,
                )
            if self.key is not None and self.key not in columns:
                option = "group_by" if self.group_by else "key"
                raise SourceError(
                    f"{option} column {self.key!r} is not in the header; columns are: "
                    + ", ".join(repr(c) for c in columns),
                    file=self.path,
                    line=row.start,
                )
            return columns
        raise SourceError(
            "empty file: no header row (the first line of a CSV must name the columns)",
            file=self.path,
        )

    def _column_names(self, row: RawRow) -> list[str]:
        columns: list[str] = []
        first_seen: dict[str, int] = {}
        duplicates: list[str] = []
        for position, cell in enumerate(row.fields, 1):
            name = " ".join(cell.replace("\ufeff", "").replace("\x00", "").split())
            if _NUMBER.fullmatch(name):
                raise SourceError(
                    f"the first row does not look like a header: column {position} is "
                    f"{name!r}, a number. If the file has no header row, set header = false "
                    'and columns = ["...", ...] in [source]; otherwise this row would be lost',
                    file=self.path,
                    line=row.start,
                )
            if not name:
                name = f"column_{position}"
                self.stats.notes.append(
                    f"{self.path}:{row.start}: column {position} has no name; read as {name!r}"
                )
            if name in first_seen:
                duplicates.append(f"{name!r} (columns {first_seen[name]} and {position})")
            else:
                first_seen[name] = position
            columns.append(name)
        if duplicates:
            raise SourceError(
                "duplicate column names in the header: "
                + ", ".join(duplicates)
                + "; rename them so a mapping can tell them apart",
                file=self.path,
                line=row.start,
            )
        return columns

    def _records(
        self, rows: Iterator[RawRow], columns: list[str]
    ) -> Iterator[Record | RecordError]:
        key_index = columns.index(self.key) if self.key is not None else None
        self._last_key: str | None = None
        with SeenKeys(memory_keys=MEMORY_KEYS) as seen_keys:
            if self.group_by is None or key_index is None:
                for row in self._data_rows(rows):
                    yield self._record(row, self.stats.rows, columns, key_index, seen_keys)
                return
            self.stats.group_by = self.group_by
            group_rows = (self._group_row(row, columns, key_index) for row in self._data_rows(rows))
            yield from grouped(
                group_rows, file=self.file, kind=self.kind, column=self.group_by, seen=seen_keys
            )

    def _data_rows(self, rows: Iterator[RawRow]) -> Iterator[RawRow]:
        """The rows after the header, blank lines skipped (or kept) and counted."""
        stats = self.stats
        for row in rows:
            if row.error is None and is_blank(row.fields):
                if self.skip_blank_lines:
                    stats.blank_lines += 1
                    continue
                row.fields = [""]
            stats.rows += 1
            yield row

    def _group_row(self, row: RawRow, columns: list[str], key_index: int) -> GroupRow:
        read = self._row_values(row, columns)
        if isinstance(read, str):
            # Its group cell, when the row has one: the group it breaks is then known.
            cell = row.fields[key_index] if len(row.fields) > key_index else None
            key = cell.strip() if cell is not None and cell not in self.null_values else None
            return GroupRow(row.start, row.end, key, None, [], read)
        data, warnings = read
        value = data[columns[key_index]]
        key = value.strip() if value is not None else ""
        return GroupRow(row.start, row.end, key, data, warnings)

    def _record(
        self,
        row: RawRow,
        number: int,
        columns: list[str],
        key_index: int | None,
        seen_keys: SeenKeys,
    ) -> Record | RecordError:
        read = self._row_values(row, columns)
        if isinstance(read, str):
            return self._error(row, read, f"row:{number}" if key_index is None else None)
        data, warnings = read
        if key_index is None:
            identity = f"row:{number}"
        else:
            key_value = data[columns[key_index]]
            identity = key_value.strip() if key_value is not None else ""
            if not identity:
                message = "the key column is empty; every row needs a key"
                return self._error(row, message, None, self.key)
            previous, self._last_key = self._last_key, identity
            first = seen_keys.first_seen(identity, row.start)
            if first is not None:
                message = f"duplicate key {identity!r}, first seen at line {first}"
                if previous == identity:  # right after a row with that key
                    message += (
                        f"; if the rows of one record follow each other, set "
                        f'group_by = "{self.key}" in [source]'
                    )
                return self._error(row, message, identity, self.key)
        return Record(
            identity=identity,
            kind=self.kind,
            data=data,
            location=Location(self.file, row.start),
            warnings=tuple(warnings),
        )

    def _row_values(
        self, row: RawRow, columns: list[str]
    ) -> tuple[dict[str, str | None], list[str]] | str:
        """The row's values by column and its warnings, or why it cannot be read."""
        values = row.fields
        width = len(columns)
        if (
            len(values) == width
            and row.error is None
            and not row.issues
            and not row.has_nul
            and not self.null_values
        ):
            # Nearly every row: nothing to check (the lengths are equal: strict would again).
            return dict(zip(columns, values, strict=False)), []
        if row.error is not None:
            return row.error
        warnings: list[str] = []
        if len(values) != width:
            if len(values) > width and not any(values[width:]):
                extra = len(values) - width
                warnings.append(
                    f"{len(values)} fields under a {width}-column header; "
                    f"dropped {extra} empty trailing field{'s' if extra > 1 else ''}"
                )
                values = values[:width]
            else:
                return f"expected {width} fields, got {len(values)}"
        if row.issues:
            decode_errors = [message for _, is_error, message in row.issues if is_error]
            if decode_errors:
                return "; ".join(decode_errors)
            warnings.extend(message for _, _, message in row.issues)
        if row.has_nul:
            nul_columns = [c for c, v in zip(columns, values, strict=True) if "\x00" in v]
            if nul_columns:
                values = [v.replace("\x00", "") for v in values]
                warnings.append("removed NUL bytes from " + ", ".join(map(repr, nul_columns)))
        data: dict[str, str | None] = dict(zip(columns, values, strict=True))
        if self.null_values:
            nulls = self.null_values
            data = {c: (None if v in nulls else v) for c, v in data.items()}
        return data, warnings

    def _error(
        self, row: RawRow, message: str, identity: str | None, column: str | None = None
    ) -> RecordError:
        return RecordError(message, file=self.file, line=row.start, identity=identity, field=column)
