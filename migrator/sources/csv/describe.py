"""``migrator inspect`` for CSV: columns, rows, sample values; a starter mapping."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from slugify import slugify

from migrator.errors import RecordError
from migrator.paths import parse_path
from migrator.sources.csv.groups import ROWS

if TYPE_CHECKING:
    from migrator.sources.csv.source import CsvSource

_SAMPLES = 3  # distinct sample values shown per column
_DISTINCT = 50  # distinct values remembered per column while counting
# The first columns that may name a record spread over several rows (a Handle, an id).
_GROUP_CANDIDATES = 3
_GROUP_MAX_COLUMNS = 1_000  # wider files are not looked at for it (the cost is per cell)
_GROUP_MAX_KEYS = 100_000  # values remembered per candidate to see one come back


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in (".csv", ".tsv", ".tab"):
        return True
    text = head[:4096].lstrip()
    return bool(text) and not text.startswith((b"<", b"{", b"[")) and b"\n" in text


def describe(source: CsvSource) -> dict[str, Any]:
    """Columns with how often each is empty and a few sample values, the row count,
    the encoding and delimiter found, and the rows that could not be read."""
    columns: dict[str, dict[str, Any]] = {}
    values: dict[str, Counter[str]] = {}
    errors: list[str] = []
    hint = _GroupHint() if source.group_by is None else None
    for item in source.records():
        if isinstance(item, RecordError):
            errors.append(str(item))
            continue
        # A grouped record's columns are those of each of its rows.
        for row in item.data[ROWS] if source.group_by is not None else [item.data]:
            _count(row, columns, values)
            if hint is not None:
                hint.see(row)
    for name, col in columns.items():
        seen = values.get(name, Counter())
        col["samples"] = [v[:60] for v, _ in seen.most_common(_SAMPLES)]
        col["distinct"] = f"{len(seen)}+" if len(seen) >= _DISTINCT else len(seen)
    stats = source.stats
    notes = list(stats.notes)
    suggestion = hint.suggestion() if hint is not None else None
    if suggestion:
        notes.append(suggestion)
    summary: dict[str, Any] = {
        "file": str(source.path),
        "format": "csv",
        "encoding": _encoding(stats.encoding, stats.encoding_how),
        "delimiter": stats.delimiter,
        "rows": stats.rows,
    }
    if source.group_by is not None:
        summary["records"] = (
            f"{stats.records + stats.errors:,} (rows grouped by {source.group_by!r})"
        )
    summary.update(
        {
            "blank_lines": stats.blank_lines,
            "columns": columns,
            "problems": errors[:25],
            "notes": notes,
        }
    )
    return summary


def _count(row: Any, columns: dict[str, dict[str, Any]], values: dict[str, Counter[str]]) -> None:
    """Add one row to the columns' emptiness, lengths and sample values."""
    for name, value in row.items():
        col = columns.setdefault(name, {"empty": 0, "max_length": 0})
        text = value or ""
        if not text.strip():
            col["empty"] += 1
            continue
        col["max_length"] = max(col["max_length"], len(text))
        seen = values.setdefault(name, Counter())
        if text in seen or len(seen) < _DISTINCT:
            seen[text] += 1


class _GroupHint:
    """Does one of the first columns name a record spread over consecutive rows?

    Shopify's shape: rows that repeat the value of the row before them in that column
    (never one that came back after other values), and a column that is filled on
    every first row and blank on every following one (the product's Title). Then
    ``group_by`` is suggested."""

    def __init__(self) -> None:
        self.candidates: list[_Candidate] | None = None

    def see(self, row: Any) -> None:
        if self.candidates is None:
            names = list(row)
            if len(names) > _GROUP_MAX_COLUMNS:
                self.candidates = []
            else:
                self.candidates = [_Candidate(n, names) for n in names[:_GROUP_CANDIDATES]]
        for candidate in self.candidates:
            candidate.see(row)

    def suggestion(self) -> str | None:
        for candidate in self.candidates or ():
            blank = candidate.blank_on_continuations()
            if blank is not None:
                return (
                    f"{candidate.continuations:,} rows repeat the {candidate.column!r} of the row "
                    f"before them, with {blank!r} left blank: if such rows continue one record "
                    f"(a product's variants and images), set group_by = {_value(candidate.column)} "
                    f"in [source] (here: -o 'group_by={_value(candidate.column)}')"
                )
        return None


class _Candidate:
    def __init__(self, column: str, names: list[str]) -> None:
        self.column = column
        self.previous: str | None = None
        self.continuations = 0
        self.runs = 0
        self.failed = False
        self.seen: set[str] = set()
        # Columns filled on every first row of a run, and on no following row so far.
        self.others = [n for n in names if n != column]
        self.filled_on_starts = set(self.others)
        self.filled_on_continuations: set[str] = set()

    def see(self, row: Any) -> None:
        if self.failed:
            return
        value = (row.get(self.column) or "").strip()
        if not value:
            self.failed = True  # every row of a grouped file has its key
            return
        filled = {n for n in self.others if (row.get(n) or "").strip()}
        if value == self.previous:
            self.continuations += 1
            self.filled_on_continuations |= filled
            return
        if value in self.seen:
            self.failed = True  # came back later: not a grouping column
            return
        if len(self.seen) < _GROUP_MAX_KEYS:
            self.seen.add(value)
        self.previous = value
        self.runs += 1
        self.filled_on_starts &= filled

    def blank_on_continuations(self) -> str | None:
        if self.failed or not self.continuations:
            return None
        blank = [
            n for n in self.others if n in self.filled_on_starts - self.filled_on_continuations
        ]
        return blank[0] if blank else None


def _encoding(encoding: str | None, how: str | None) -> str | None:
    # A guess is shown as one, with the option that makes it sure.
    if how == "guessed":
        return f'{encoding} (guessed; set encoding = "{encoding}" in [source] to be sure)'
    return encoding


def scaffold(source: CsvSource, kind: str) -> str:
    """A starter collection mapping: every column mapped to a field named after it.

    Every string goes through a TOML writer, so a header holding quotes, backslashes,
    line breaks or any script still makes a file that loads.
    """
    summary = describe(source)
    names = list(summary["columns"])
    if not names:
        raise ValueError(f"{source.path} has no columns")
    key = source.key or next((n for n in names if _is_path(n)), names[0])
    grouped = source.group_by is not None
    fields = field_names(names)
    lines: list[str] = []
    for column, name in fields.items():
        # Field names are ASCII letters, digits and "_" (field_names): bare TOML keys.
        line = f'{name} = {{ from = {_value(column)}, transforms = ["strip"] }}'
        if _is_path(column):
            lines.append(line)
        else:
            # A mapping's `from` is a source path; this name cannot be written as one.
            lines.append(f"# {_value(column)} cannot be named in `from`; rename the header")
    options = "".join(f"{line}\n" for line in _reader_options(source))
    return (
        f"# Starter mapping: {_comment(source.path.name)} → the ButterCMS collection "
        f"`{_comment(kind)}`.\n"
        f"# Made by `migrator inspect {_comment(source.path.name)} --scaffold "
        f"{_comment(kind)}`. Describe the\n"
        "# collection in your content model with these fields (or rename them), then\n"
        "#   migrator run THIS_FILE --dry-run\n\n"
        'model = "content-model.toml"\n\n'
        f'[source]\nformat = "csv"\npath = {_value(source.path.resolve().as_posix())}\n'
        + ("" if grouped else f"key = {_value(key)}\n")
        + f"{options}\n"
        f'[target]\nkind = "collection"\ncollection = {_value(kind)}\n'
        f'lookup_field = {_value(fields[key])}\nstatus = "draft"\n\n'
        "[fields]\n" + (_GROUPED if grouped else "") + "".join(f"{line}\n" for line in lines)
    )


_GROUPED = """\
# These are the columns of each record's first row. All its rows, the first included,
# are the list `rows`: a page type's repeater takes one item per row from it
# (`from = "rows"` with `each = { ... }`; see mappings/shopify_products.toml).
"""


def field_names(columns: list[str]) -> dict[str, str]:
    """Column → a field name Butter accepts (ASCII letters, digits, ``_``), each distinct:
    "Prénom" → ``prenom``, "名前" → ``ming_qian``, a second "E-mail"-like one ``e_mail_2``."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    for column in columns:
        base = slugify(column, separator="_") or "field"
        if base[0].isdigit():
            base = f"field_{base}"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names[column] = name
    return names


def _reader_options(source: CsvSource) -> list[str]:
    """The [source] lines this file needs, so the run reads it as inspect did."""
    lines: list[str] = []
    stats = source.stats
    if source.delimiter is not None or stats.delimiter not in (None, ","):
        lines.append(f"delimiter = {_value(stats.delimiter or ',')}")
    if stats.encoding and stats.encoding_how not in ("utf-8", "bom"):
        if stats.encoding_how == "guessed":
            lines.append("# Guessed from the file's bytes: check that the text reads right.")
        lines.append(f"encoding = {_value(stats.encoding)}")
    # The options inspect was given (--option) that the run needs too.
    for name, option in type(source).declared_options().items():
        value = getattr(source, name)
        if name in ("key", "delimiter", "encoding") or value == option.value(option.default):
            continue
        if isinstance(value, frozenset):
            value = sorted(value)
        lines.append(f"{name} = {_value(value)}")
    return lines


def _is_path(column: str) -> bool:
    try:
        parse_path(column)
    except ValueError:
        return False
    return True


def _value(value: Any) -> str:
    if isinstance(value, list):  # on one line (tomli-w writes an item a line)
        return "[" + ", ".join(_value(v) for v in value) + "]"
    # tomli-w writes `x = <value>`; the part after "x = " is the value, escaped.
    return tomli_w.dumps({"x": value})[4:].rstrip("\n")


def _comment(text: str) -> str:
    # A comment ends at a line break: keep one line of it.
    return " ".join(text.split())
