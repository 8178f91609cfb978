"""What a run leaves for people: JSON-lines files (failures, warnings, the preview), with
every secret redacted."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import orjson

from migrator.errors import RecordError
from migrator.log import redact_text
from migrator.outputs import open_output
from migrator.records import JsonObject


class JsonlWriter:
    """JSON lines. ``flush_each``: every line reaches the file at once, so a crash keeps
    what was written (the failures file); a preview need not pay for that."""

    def __init__(self, path: Path, *, flush_each: bool = True):
        self.path = path
        self._file: IO[bytes] = open_output(path)
        self._flush_each = flush_each
        self.count = 0

    def write(self, obj: JsonObject) -> None:
        # A reason may quote an answer that quoted a token: the line is redacted.
        line = redact_text(orjson.dumps(obj, default=str).decode())
        self._file.write(line.encode() + b"\n")
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
) -> JsonObject:
    return {
        "stage": stage,
        "identity": identity,
        "source": source,
        "target": target,
        "field": field,
        "reason": reason,
    }


def invalid_line(error: RecordError) -> JsonObject:
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


def tally(reasons: dict[str, int], reason: str) -> None:
    """Count ``reason`` under its shape (``reason_key``)."""
    key = reason_key(reason)
    reasons[key] = reasons.get(key, 0) + 1


def reason_key(reason: str) -> str:
    """Group failures by the shape of their reason, not the exact value in it."""
    return reason.split(": ")[0][:120] if ": " in reason else reason[:120]
