"""Any JSON document or NDJSON / JSON Lines file: one record per selected object.

Formats ``json``, ``ndjson`` and ``jsonl`` (the last two are the same reader).

- **Which objects** (``json`` only). ``records_path`` selects them: a dotted path with
  ``[*]`` for "every item of this list" (``data.items[*]``, ``[*]`` for a top-level
  list, ``posts[*].data``), or an ijson prefix (``data.items.item``). Without it, a
  top-level list gives one record per item and a top-level object is one record.
  The file is streamed: one record is in memory at a time, whatever the file's size.
- **Data** is the object itself, as ``json.load`` would give it (numbers as int/float).
  An item that is not an object is a ``RecordError`` (a mapping names fields).
- **Identity.** ``key`` is a dotted path inside the object (``id``, ``sys.id``); its
  value (a string or number) identifies the record across runs. A missing or empty key,
  or one seen before, is a ``RecordError`` naming the first one's place (seen keys are
  kept: about 100 bytes a record). Without ``key`` the identity is ``index:<n>``
  (``json``, 0-based item index) or ``line:<n>`` (NDJSON), which shifts when records
  are inserted above — set ``key`` whenever the export has ids.
- **Kind.** ``kind`` is a constant (default ``record``); ``kind_path`` reads it from each
  object (``type``, ``_type``); an object without it is a ``RecordError``.
- **Positions.** ``json`` records are located by item path (``file@data.items[17]``),
  NDJSON records by line. A document that stops being JSON part-way yields the records
  before the break, then one ``RecordError`` at the byte position of the break
  (``file@byte 1234``); an NDJSON line that is not JSON is a ``RecordError`` for that
  line and reading goes on. A line holding U+FFFD (text mis-decoded before it was
  exported) is read with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migrator.errors import RecordError
from migrator.paths import MISSING
from migrator.records import Location, Record
from migrator.seen import MEMORY_KEYS, SeenKeys
from migrator.sources.base import Source
from migrator.sources.json import describe as json_describe
from migrator.sources.json.scaffold import Scaffold
from migrator.sources.json.stream import (
    REPLACEMENT_WARNING,
    JsonBroken,
    cut_off,
    head_events,
    head_lines,
    identity_text,
    ndjson_lines,
    stream_items,
    summarize,
)
from migrator.sources.options import Option, dotted_path, must, non_empty_string, optional

_WILDCARD = re.compile(r"\[\*\]")


def ijson_prefix(records_path: str) -> tuple[str, str]:
    """``data.items[*]`` → (ijson prefix ``data.items.item``, position label ``data.items``).

    A path already in ijson form (``data.items.item``) passes through.
    """
    path = records_path.strip()
    if path in ("", "$"):
        return "", ""
    if "[*]" not in path:
        label = path.removesuffix(".item") if path.endswith(".item") else path
        return path, label
    prefix = _WILDCARD.sub(".item", path).lstrip(".")
    label = path[: path.rindex("[*]")] if path.endswith("[*]") else path
    return prefix, label


_RECORDS_PATH = 'must be a path like "data.items[*]" or "[*]"'


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


class _JsonRecords(Source):
    """What the JSON and NDJSON sources share: the ``key``, ``kind`` and ``kind_path``
    options, and how they make a record of one JSON value."""

    key = Option(None, optional(dotted_path))
    kind = Option("record", non_empty_string)
    kind_path = Option(None, optional(dotted_path))

    @property
    def unique_identities(self) -> bool:
        return self.key is not None  # make_record refuses a key seen before

    def make_record(
        self,
        value: Any,
        default_identity: str,
        location: Location,
        seen: SeenKeys,
        warnings: tuple[str, ...] = (),
    ) -> Record | RecordError:
        where = str(location)

        def error(message: str, identity: str | None = None, field: str | None = None):
            return RecordError(
                message,
                file=location.file if location.line is not None else where,
                line=location.line,
                identity=identity,
                field=field,
            )

        if not isinstance(value, dict):
            kind = type(value).__name__.replace("NoneType", "null")
            return error(f"expected a JSON object, got {kind} {_short(value)}")
        if self.key is None:
            identity = default_identity
        else:
            found = self.key.resolve(value)
            text = identity_text(found)
            if text is None:
                problem = "missing" if found is MISSING else f"not an id: {_short(found)}"
                return error(f"the key {self.key.text!r} is {problem}", field=self.key.text)
            first = seen.first_seen(text, where)
            if first is not None:
                return error(f"duplicate key {text!r}, first seen at {first}", text, self.key.text)
            identity = text
        kind = self.kind
        if self.kind_path is not None:
            found = self.kind_path.resolve(value)
            if not isinstance(found, str) or not found.strip():
                return error(
                    f"no type: {self.kind_path.text!r} is "
                    + ("missing" if found is MISSING else _short(found)),
                    identity,
                    self.kind_path.text,
                )
            kind = found
        return Record(identity, kind, value, location, warnings)


class JsonSource(_JsonRecords):
    """A JSON document; see the module docstring."""

    name = "json"

    records_path = Option(
        None, optional(must(_is_str, 'must be a path like "data.items[*]" or "[*]"'))
    )

    def __repr__(self) -> str:
        return f"JsonSource({self.file!r}, records_path={self.records_path!r})"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        # One object a line is NDJSON (sniffed after this format), not a broken document.
        return (
            head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
            and bool(head_events(head))
            and not NdjsonSource.sniff(path, head)
        )

    def read(self) -> Iterator[Record | RecordError]:
        prefix, label = self._prefix()
        with SeenKeys(memory_keys=MEMORY_KEYS) as seen:
            try:
                for index, value in stream_items(self.path, prefix):
                    if prefix:
                        yield self._record(value, index, f"{label}[{index}]", seen)
                    elif isinstance(value, list) and self.records_path is None:
                        # A top-level list read whole: only when its start could not be seen.
                        for i, item in enumerate(value):
                            yield self._record(item, i, f"[{i}]", seen)
                    else:
                        yield self._record(value, index, "$", seen)
            except JsonBroken as broken:
                yield cut_off(self.stats, self.file, broken, "records")

    def _prefix(self) -> tuple[str, str]:
        if self.records_path is not None:
            return ijson_prefix(self.records_path)
        # No path: a top-level list streams item by item, an object is one record.
        try:
            with self.path.open("rb") as f:
                start = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        except OSError:
            start = b""  # stream_items reports the real problem
        return ("item", "") if start == b"[" else ("", "")

    def _record(
        self, value: Any, index: int, position: str, seen: SeenKeys
    ) -> Record | RecordError:
        location = Location(self.file, position=position)
        return self.make_record(value, f"index:{index}", location, seen)

    def describe(self) -> dict[str, Any]:
        return summarize(self.name, self.records(), records_path=self.records_path)

    def scaffold(self, kind: str) -> Scaffold:
        """A starter mapping for the records at a path (``items[*]``) or of one type."""
        return json_describe.scaffold(self, kind)


class NdjsonSource(_JsonRecords):
    """NDJSON / JSON Lines: one JSON object a line; see the module docstring."""

    name = "ndjson"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        lines = head_lines(head)
        if path.suffix.lower() in (".ndjson", ".jsonl"):
            return bool(lines)
        return len(lines) > 1 and all(isinstance(v, dict) for v in lines)

    def read(self) -> Iterator[Record | RecordError]:
        file = self.file
        with SeenKeys(memory_keys=MEMORY_KEYS) as seen:
            for line in ndjson_lines(self.path):
                if line.error is not None:
                    yield RecordError(line.error, file=file, line=line.number)
                    continue
                warnings = (REPLACEMENT_WARNING,) if line.replacement_chars else ()
                location = Location(file, line.number)
                yield self.make_record(line.value, f"line:{line.number}", location, seen, warnings)

    def describe(self) -> dict[str, Any]:
        return summarize(self.name, self.records())

    def scaffold(self, kind: str) -> Scaffold:
        """A starter mapping for every line (``record``) or the lines of one type."""
        return json_describe.scaffold(self, kind)


class JsonlSource(NdjsonSource):
    """The same reader under the name ``jsonl``."""

    name = "jsonl"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
