"""The JSON-lines files a run leaves (failures, warnings, the preview, verify's), read back
for the report: grouped by reason, a few records each, however long the file is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from migrator.engine import reason_key
from migrator.log import get_logger

log = get_logger("migrator.report")
# A value shown in a row (a preview's body can be megabytes): the rest is in the file.
VALUE_CHARS = 600


@dataclass
class Group:
    """Lines of one reason's shape (``engine.reason_key``): how many, and the first few."""

    key: str
    first_reason: str  # shown whole when it is the only one
    count: int = 0
    rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return self.first_reason if self.count == 1 else self.key

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


@dataclass
class Grouped:
    groups: list[Group] = field(default_factory=list)  # most first
    total: int = 0  # lines read
    other: int = 0  # lines past the ``groups`` limit, in no group shown
    unreadable: int = 0  # lines that are not a JSON object


def grouped(path: Path | None, *, rows: int = 20, groups: int = 50) -> Grouped:
    """``path``'s lines by reason: at most ``groups`` groups of at most ``rows`` lines."""
    out = Grouped()
    by_key: dict[str, Group] = {}
    for line in _lines(path, out):
        reason = str(line.get("reason") or "(no reason given)")
        key = reason_key(reason)
        group = by_key.get(key)
        if group is None:
            if len(by_key) >= groups:
                out.other += 1
                continue
            group = by_key[key] = Group(key, reason)
        group.count += 1
        if len(group.rows) < rows:
            group.rows.append({k: _text(v) for k, v in line.items()})
    out.groups = sorted(by_key.values(), key=lambda g: -g.count)
    return out


def first_lines(path: Path | None, *, limit: int = 100) -> tuple[list[dict[str, str]], int]:
    """The first ``limit`` lines of ``path`` (a preview), and how many it has in all."""
    out = Grouped()
    kept: list[dict[str, str]] = []
    for line in _lines(path, out):
        if len(kept) < limit:
            kept.append({k: _text(v) for k, v in line.items()})
    return kept, out.total


def _lines(path: Path | None, out: Grouped) -> Iterator[dict[str, object]]:
    if path is None or not path.is_file():
        return
    try:
        with path.open("rb") as f:
            for raw in f:
                if not raw.strip():
                    continue
                out.total += 1
                try:
                    line = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    line = None
                if isinstance(line, dict):
                    yield line
                else:
                    out.unreadable += 1
    except OSError as exc:
        log.warning("report: cannot read a report file", path=str(path), error=exc.strerror)


def _text(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + " …"
