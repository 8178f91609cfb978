"""What a run leaves for people: the failures file, the dry-run preview and the summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from migrator.errors import RecordError


@dataclass
class RunStats:
    read: int = 0
    filtered: int = 0
    invalid: int = 0
    unchanged: int = 0
    changed: int = 0  # changed since the last run: to update
    skipped_failed: int = 0
    to_send: int = 0  # new: to create
    accepted: int = 0  # creates answered 202
    updated: int = 0  # updates (PATCH) answered 202
    failed: int = 0
    # --prune
    to_delete: int = 0
    deleted: int = 0  # DELETE answered 204 (or 404: already gone)
    pages_not_deletable: int = 0  # gone from the source; the API cannot delete pages
    prune_refused: str | None = None
    planned_deletes: list[str] = field(default_factory=list)  # dry run: what would go
    # references
    refs_pending: int = 0  # records written without a reference not found yet
    refs_patched: int = 0
    refs_unresolved: int = 0
    retries: int = 0
    throttled: int = 0
    ambiguous: int = 0
    found_on_read_back: int = 0
    unsettled: int = 0
    calls_writes: int = 0
    calls_reads: int = 0
    elapsed: float = 0.0
    aborted: str | None = None
    failure_reasons: dict[str, int] = field(default_factory=dict)
    # --check-media (None: not checked); the records using a dead URL count as invalid
    media_checked: int | None = None  # distinct media URLs checked
    media_dead: int = 0
    media_suspicious: int = 0  # an HTML page where a file was expected: sent anyway
    media_seconds: float = 0.0
    media_problems: list[str] = field(default_factory=list)  # the first few, for the summary
    # link rewriting and inline images: the records went through; people should look
    links_rewritten: int = 0
    warning_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        if self.aborted:
            return 3
        if (
            self.invalid
            or self.failed
            or self.unsettled
            or self.skipped_failed
            or self.refs_unresolved
            or self.prune_refused
        ):
            return 1
        return 0


class JsonlWriter:
    """JSON lines. ``flush_each``: every line reaches the file at once, so a crash keeps
    what was written (the failures file); a preview need not pay for that."""

    def __init__(self, path: Path, *, flush_each: bool = True):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = path.open("wb")
        self._flush_each = flush_each
        self.count = 0

    def write(self, obj: dict[str, Any]) -> None:
        self._file.write(orjson.dumps(obj, default=str) + b"\n")
        if self._flush_each:
            self._file.flush()
        self.count += 1

    def close(self) -> None:
        self._file.close()


def failure_line(
    *,
    stage: str,
    reason: str,
    identity: str | None,
    source: str | None,
    field: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    return {
        "stage": stage,
        "identity": identity,
        "source": source,
        "target": target,
        "field": field,
        "reason": reason,
    }


def invalid_line(error: RecordError) -> dict[str, Any]:
    source = None
    if error.file:
        source = f"{error.file}:{error.line}" if error.line is not None else error.file
    return failure_line(
        stage="input",
        reason=error.reason,
        identity=error.identity,
        source=source,
        field=error.field,
    )


def reason_key(reason: str) -> str:
    """Group failures by the shape of their reason, not the exact value in it."""
    return reason.split(": ")[0][:120] if ": " in reason else reason[:120]
