"""What a run leaves for people: JSON-lines files (failures, warnings, the preview), with
every secret redacted."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import orjson

from migrator.errors import RecordError
from migrator.log import redact_text, redact_utf8
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
        self._file.write(redact_utf8(orjson.dumps(obj, default=str)) + b"\n")
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
    """Count ``reason`` under its shape (``reason_key``); see ``ReasonCounts``."""
    if isinstance(reasons, ReasonCounts):
        reasons.add(reason)
        return
    key = reason_key(reason)
    reasons[key] = reasons.get(key, 0) + 1


class ReasonCounts(dict[str, int]):
    """Failures counted by the shape of their reason (``reason_key``). While a shape has
    been seen once, its row is that whole reason, values and all: one record's problem
    names the record, many of one kind are one row."""

    def __init__(self, items: Iterable[tuple[str, int]] = ()) -> None:
        super().__init__(items)  # (dataclasses.asdict copies a dict by its type)
        self.whole: dict[str, str] = {}  # shape -> the one reason shown whole

    def add(self, reason: str) -> None:
        key = reason_key(reason)
        if key in self.whole:  # a second one: counted by its shape from now on
            self[key] = self.pop(self.whole.pop(key)) + 1
        elif key in self:
            self[key] += 1
        else:
            whole = _clip(redact_text(reason))
            self.whole[key] = whole
            self[whole] = self.get(whole, 0) + 1


# The values a reason quotes: 'x' or "x" (not an apostrophe: Butter's), a URL, a place in a
# file (export.xml:10122), a counted name ([gallery] ×2); a list of them is one value.
_VALUE = (
    r"""(?:(?<!\w)'[^']*'(?!\w)|(?<!\w)"[^"]*"(?!\w)|https?://[^\s'"<>]+|[\w./-]+:\d+\b"""
    r"|\[[^\]\s]+\] ×\d+(?:,\d{3})*)"
)
_VALUES = re.compile(rf"{_VALUE}(?:, {_VALUE})*(?: \.\.\.| and \d+(?:,\d{3})* more)?")
_TIMES = re.compile(r" \(\d+ times\)")  # one problem repeated in a record: same shape
_KEY_LENGTH = 240


def reason_key(reason: str) -> str:
    """Group failures by the shape of their reason, not the exact values in it: the whole
    message, which says what is wrong and what to do, its values left out (``…``); one
    that ends in its values alone ("unknown shortcodes left as text: [x] ×2") is its head."""
    return _clip(_VALUES.sub("…", _TIMES.sub("", redact_text(reason))).removesuffix(": …"))


def _clip(text: str) -> str:
    return text if len(text) <= _KEY_LENGTH else text[: _KEY_LENGTH - 1] + "…"
