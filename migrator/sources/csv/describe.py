"""``migrator inspect`` for CSV: columns, rows, sample values; a starter mapping."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrator.errors import RecordError

if TYPE_CHECKING:
    from migrator.sources.csv.source import CsvSource

_SAMPLES = 3  # distinct sample values shown per column
_DISTINCT = 50  # distinct values remembered per column while counting


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
    for item in source.records():
        if isinstance(item, RecordError):
            errors.append(str(item))
            continue
        for name, value in item.data.items():
            col = columns.setdefault(name, {"empty": 0, "max_length": 0})
            text = value or ""
            if not text.strip():
                col["empty"] += 1
                continue
            col["max_length"] = max(col["max_length"], len(text))
            seen = values.setdefault(name, Counter())
            if text in seen or len(seen) < _DISTINCT:
                seen[text] += 1
    for name, col in columns.items():
        seen = values.get(name, Counter())
        col["samples"] = [v[:60] for v, _ in seen.most_common(_SAMPLES)]
        col["distinct"] = f"{len(seen)}+" if len(seen) >= _DISTINCT else len(seen)
    stats = source.stats
    return {
        "file": str(source.path),
        "format": "csv",
        "encoding": stats.encoding,
        "delimiter": stats.delimiter,
        "rows": stats.rows,
        "blank_lines": stats.blank_lines,
        "columns": columns,
        "problems": errors[:25],
        "notes": list(stats.notes),
    }


def scaffold(source: CsvSource, kind: str) -> str:
    """A starter collection mapping: every column mapped to a field of the same name."""
    summary = describe(source)
    names = list(summary["columns"])
    if not names:
        raise ValueError(f"{source.path} has no columns")
    key = source.key or names[0]
    fields = "".join(f'{_field(n)} = {{ from = "{n}", transforms = ["strip"] }}\n' for n in names)
    return (
        f"# Starter mapping: {source.path.name} → the ButterCMS collection `{kind}`.\n"
        f"# Made by `migrator inspect {source.path.name} --scaffold {kind}`. Describe the\n"
        "# collection in your content model with these fields (or rename them), then\n"
        "#   migrator run THIS_FILE --dry-run\n\n"
        'model = "content-model.toml"\n\n'
        f'[source]\nformat = "csv"\npath = "{source.path.resolve().as_posix()}"\n'
        f'key = "{key}"\n\n'
        f'[target]\nkind = "collection"\ncollection = "{kind}"\n'
        f'lookup_field = "{_field(key)}"\nstatus = "draft"\n\n'
        f"[fields]\n{fields}"
    )


def _field(column: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in column.lower()).strip("_") or "field"
